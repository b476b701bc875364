// The streamed input's text, as the JSON reader decodes it, turned into UTF-8 chunks of at most
// `chunkBytes` to store as they fill. Exactly the bytes Buffer.from(input, 'utf8') would give for
// the whole string: a surrogate pair split between two appends (two `\u` escapes) is joined again,
// and a lone surrogate becomes U+FFFD. A character is never split between chunks. Written chunks
// are given back and filled again, so an upload needs two buffers: one filling, one being written.
import { createHash } from 'node:crypto';

export interface EncodedInput {
  bytes: number;
  /** Characters as JSON Schema counts them for maxLength (code points; a lone surrogate is one). */
  characters: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
}

const encoder = new TextEncoder();

export class InputEncoder {
  readonly #chunkBytes: number;
  readonly #spare: Buffer[] = [];
  #sealed: Buffer[] = [];
  #sealedCount = 0;
  #buffer: Buffer;
  #filled = 0;
  #highSurrogate = '';
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #characters = 0;

  constructor(chunkBytes: number) {
    this.#chunkBytes = chunkBytes;
    this.#buffer = this.#take();
  }

  append(text: string): void {
    let rest = this.#highSurrogate + text;
    this.#highSurrogate = '';
    if (isHighSurrogate(rest.charCodeAt(rest.length - 1))) {
      // Its low half may come with the next append.
      this.#highSurrogate = rest.slice(-1);
      rest = rest.slice(0, -1);
    }
    this.#encode(rest);
  }

  /** Chunks filled since the last call, in order; hand each to recycle() once it is written. */
  takeSealed(): Buffer[] {
    const sealed = this.#sealed;
    this.#sealed = [];
    return sealed;
  }

  recycle(chunk: Buffer): void {
    this.#spare.push(Buffer.from(chunk.buffer, 0, this.#chunkBytes));
  }

  /** Ends the input: what is left becomes the last chunk (an empty input is one empty chunk). */
  end(): EncodedInput {
    // A high surrogate never followed by its low half: TextEncoder writes U+FFFD for it.
    this.#encode(this.#highSurrogate);
    this.#highSurrogate = '';
    if (this.#filled > 0 || this.#sealedCount === 0) this.#seal();
    return { bytes: this.#bytes, characters: this.#characters, sha256: this.#hash.digest('hex') };
  }

  #encode(text: string): void {
    let rest = text;
    while (rest.length > 0) {
      const { read, written } = encoder.encodeInto(rest, this.#buffer.subarray(this.#filled));
      this.#filled += written;
      if (read === rest.length) return;
      // The next character does not fit: this chunk is done.
      rest = rest.slice(read);
      this.#seal();
    }
  }

  #seal(): void {
    const chunk = this.#buffer.subarray(0, this.#filled);
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    // One code point per byte that does not continue a sequence (UTF-8 continuation bytes are 10xxxxxx).
    for (let i = 0; i < chunk.length; i++) if (((chunk[i] as number) & 0xc0) !== 0x80) this.#characters++;
    this.#sealed.push(chunk);
    this.#sealedCount++;
    this.#buffer = this.#take();
    this.#filled = 0;
  }

  #take(): Buffer {
    // allocUnsafeSlow: a buffer of its own, not a slice of Node's shared pool, so recycle() can reuse it whole.
    return this.#spare.pop() ?? Buffer.allocUnsafeSlow(this.#chunkBytes);
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
