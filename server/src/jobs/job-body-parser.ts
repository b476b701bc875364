// An incremental JSON reader for one body shape: a job's `{from, to, input, options}`. It is fed the
// body's text piece by piece as it arrives and passes the top-level `input` string's characters,
// escapes decoded, to a sink as soon as it reads them, so that string is never held whole. Every
// other value (and the body itself when it is not an object) is collected, up to SMALL_LIMIT
// characters in all, and parsed by JSON.parse. Syntax errors are E1002 with the line and column
// where JSON.parse would stop (the same messages, from domain/json.ts); a key given twice at the
// top level is refused too, since which `input` counts would otherwise be a guess.
import { ConversionError, excerpt } from '../domain/errors.ts';
import { parseJson } from '../domain/json.ts';
import { ApiError } from '../http/problem.ts';
import { malformedJson } from '../http/body.ts';

/** Characters of the body outside the streamed `input` that are kept: far more than a valid body needs. */
export const SMALL_LIMIT = 64 * 1024;

export interface TextSink {
  append(text: string): void;
}

export interface ParsedBody {
  /** The body, without `input` when that was a string (it went to the sink). */
  value: unknown;
  /** `input` was a string, and the sink received all of it. */
  inputStreamed: boolean;
}

type Mode =
  | 'value' // before the body's value
  | 'first-key' // after `{`: a key or `}`
  | 'key' // after `,`: a key
  | 'in-key'
  | 'colon'
  | 'member' // before a member's value
  | 'input' // inside the streamed string
  | 'escape' // after `\` in it
  | 'unicode' // in a `\uXXXX` in it
  | 'capture' // inside a collected value
  | 'after-member' // `,` or `}`
  | 'done';

interface Position {
  line: number;
  column: number;
}

const INPUT = 'input';
// What ends a run of plain characters in a JSON string.
const STRING_SPECIAL = /["\\\x00-\x1f]/g;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HEX = /^[0-9a-fA-F]$/;

export class JobBodyParser {
  readonly #sink: TextSink;
  #mode: Mode = 'value';
  // Where the next character is, as JSON.parse's errors count it (UTF-16 units, `\n` breaks lines).
  #line = 1;
  #column = 1;
  readonly #fields: Record<string, unknown> = {};
  readonly #keys = new Set<string>();
  #key = '';
  #top: unknown;
  #inputStreamed = false;
  // A key or value being collected: its text so far and where it started.
  #raw: string[] = [];
  #rawStart: Position = { line: 1, column: 1 };
  #small = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  // The streamed string's decoded text not yet given to the sink, and a `\u` escape's digits.
  #decoded: string[] = [];
  #hex = '';

  constructor(sink: TextSink) {
    this.#sink = sink;
  }

  write(text: string): void {
    // Where the key or value being collected starts in `text` (-1: none is).
    let from = this.#mode === 'capture' || this.#mode === 'in-key' ? 0 : -1;
    let i = 0;
    while (i < text.length) {
      const mode = this.#mode;
      if (mode === 'input') {
        i = this.#readString(text, i);
        continue;
      }
      const c = text[i] as string;
      if (mode === 'capture' || mode === 'in-key') {
        // A value ends either on its last character (a quote, a bracket) or before the first that is not its own.
        const own = mode === 'in-key' ? this.#keyChar(c) : this.#captureChar(c);
        if (own) {
          this.#advance(c);
          i++;
        }
        if (!own || this.#mode !== mode) {
          this.#keepRaw(text.slice(from, i));
          from = -1;
          this.#finishRaw(own ? '' : c);
        }
        continue;
      }
      if (mode === 'escape' || mode === 'unicode') this.#escapeChar(c);
      else if (!isWhitespace(c) && this.#structural(c)) {
        from = i;
        // A value's first character is read again as its own; a key's opening quote is not.
        if (this.#mode === 'capture') continue;
      }
      this.#advance(c);
      i++;
    }
    if (from !== -1) this.#keepRaw(text.slice(from));
    this.#flushDecoded();
  }

  /** The body once all of it was written; throws E1002 when it ended too soon. */
  end(): ParsedBody {
    if (this.#mode === 'capture' || this.#mode === 'in-key') this.#finishRaw('');
    switch (this.#mode) {
      case 'done':
        return { value: this.#top, inputStreamed: this.#inputStreamed };
      case 'value':
      case 'member':
      case 'escape':
        throw this.#error('unexpected end of input');
      case 'first-key':
        throw this.#error("Expected property name or '}'");
      case 'key':
        throw this.#error('Expected double-quoted property name');
      case 'colon':
        throw this.#error("Expected ':' after property name");
      case 'input':
        throw this.#error('Unterminated string');
      case 'unicode':
        throw this.#error('Bad Unicode escape');
      default:
        throw this.#error("Expected ',' or '}' after property value");
    }
  }

  /** A character outside strings and collected values; true when a key or value starts at it. */
  #structural(c: string): boolean {
    switch (this.#mode) {
      case 'value':
        if (c === '{') {
          this.#top = this.#fields;
          this.#mode = 'first-key';
          return false;
        }
        return this.#startValue(c);
      case 'first-key':
      case 'key':
        if (c === '"') {
          this.#startRaw('in-key');
          return true;
        }
        if (c === '}' && this.#mode === 'first-key') {
          this.#mode = 'done';
          return false;
        }
        throw this.#error(this.#mode === 'first-key' ? "Expected property name or '}'" : 'Expected double-quoted property name');
      case 'colon':
        if (c !== ':') throw this.#error("Expected ':' after property name");
        this.#mode = 'member';
        return false;
      case 'member':
        if (this.#key === INPUT && c === '"') {
          this.#inputStreamed = true;
          this.#mode = 'input';
          return false;
        }
        return this.#startValue(c);
      case 'after-member':
        if (c === ',') this.#mode = 'key';
        else if (c === '}') this.#mode = 'done';
        else throw this.#error("Expected ',' or '}' after property value");
        return false;
      default:
        throw this.#error('Unexpected non-whitespace character after JSON');
    }
  }

  #startValue(c: string): true {
    if (c === ',' || c === '}' || c === ']' || c === ':') throw this.#error(`unexpected character ${JSON.stringify(c)}`);
    this.#startRaw('capture');
    return true;
  }

  /** Reads the streamed string from `i`: plain runs at once, then one special character. */
  #readString(text: string, i: number): number {
    STRING_SPECIAL.lastIndex = i;
    const special = STRING_SPECIAL.exec(text);
    const end = special === null ? text.length : special.index;
    if (end > i) {
      this.#decoded.push(text.slice(i, end));
      this.#column += end - i;
    }
    if (special === null) return end;
    const c = special[0];
    if (c === '"') {
      this.#flushDecoded();
      this.#mode = 'after-member';
    } else if (c === '\\') {
      this.#mode = 'escape';
    } else {
      throw this.#error('Bad control character in string literal');
    }
    this.#column++;
    return end + 1;
  }

  #escapeChar(c: string): void {
    if (this.#mode === 'escape') {
      if (c === 'u') {
        this.#hex = '';
        this.#mode = 'unicode';
        return;
      }
      const decoded = ESCAPES[c];
      if (decoded === undefined) throw this.#error('Bad escaped character');
      this.#decoded.push(decoded);
      this.#mode = 'input';
      return;
    }
    if (!HEX.test(c)) throw this.#error('Bad Unicode escape');
    this.#hex += c;
    if (this.#hex.length < 4) return;
    // A lone surrogate is valid JSON; the sink decides what it becomes (input-encoder.ts).
    this.#decoded.push(String.fromCharCode(Number.parseInt(this.#hex, 16)));
    this.#mode = 'input';
  }

  #flushDecoded(): void {
    if (this.#decoded.length === 0) return;
    this.#sink.append(this.#decoded.join(''));
    this.#decoded = [];
  }

  #startRaw(mode: 'capture' | 'in-key'): void {
    this.#mode = mode;
    this.#raw = [];
    this.#rawStart = { line: this.#line, column: this.#column };
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
  }

  /** One character of a key after its opening quote: always the key's own, the closing quote included. */
  #keyChar(c: string): true {
    if (this.#escaped) this.#escaped = false;
    else if (c === '\\') this.#escaped = true;
    else if (c === '"') this.#mode = 'colon';
    return true;
  }

  /** One character of a collected value; false when the value ended before it (the character is not the value's). */
  #captureChar(c: string): boolean {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (c === '\\') this.#escaped = true;
      else if (c === '"') {
        this.#inString = false;
        if (this.#depth === 0) this.#mode = this.#afterValue();
      }
      return true;
    }
    if (c === '"') {
      this.#inString = true;
    } else if (c === '{' || c === '[') {
      this.#depth++;
    } else if (c === '}' || c === ']') {
      if (this.#depth === 0) return false;
      this.#depth--;
      if (this.#depth === 0) this.#mode = this.#afterValue();
    } else if (this.#depth === 0 && (c === ',' || isWhitespace(c))) {
      return false;
    }
    return true;
  }

  #afterValue(): Mode {
    return this.#top === this.#fields ? 'after-member' : 'done';
  }

  #keepRaw(piece: string): void {
    this.#small += piece.length;
    if (this.#small > SMALL_LIMIT) {
      throw new ApiError('E1004', `Everything in a job's body but its input is limited to ${SMALL_LIMIT} characters.`);
    }
    this.#raw.push(piece);
  }

  /** Parses the key or value just collected (`next` is the character after it, if that is known) and files it. */
  #finishRaw(next: string): void {
    const wasKey = this.#mode === 'in-key' || this.#mode === 'colon';
    const value = this.#parseRaw(this.#raw.join(''), next);
    this.#raw = [];
    if (wasKey) {
      const key = value as string;
      if (this.#keys.has(key)) throw malformedJson(`invalid JSON: duplicate key ${excerpt(key)}`, this.#rawStart);
      this.#keys.add(key);
      this.#key = key;
      return;
    }
    if (this.#mode === 'capture') this.#mode = this.#afterValue();
    if (this.#top === this.#fields) {
      // As JSON.parse would: an own property even for `__proto__`.
      Object.defineProperty(this.#fields, this.#key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      this.#top = value;
    }
  }

  #parseRaw(raw: string, next: string): unknown {
    try {
      return parseJson(raw);
    } catch (failure) {
      if (!(failure instanceof ConversionError)) throw failure;
      // Parsed again with the character that ended it, so a value cut short (`tru,`) fails on that
      // character as it would in the whole body, not at an end of input the body does not have.
      const error = (next === '' ? undefined : parseFailure(raw + next)) ?? failure;
      // Positions within the collected text, moved to where it started in the body.
      const { line, column } = error;
      const start = this.#rawStart;
      if (line === undefined) throw malformedJson(error.message, {});
      throw malformedJson(error.message, {
        line: start.line + line - 1,
        ...(column === undefined ? {} : { column: line === 1 ? start.column + column - 1 : column }),
      });
    }
  }

  #advance(c: string): void {
    if (c === '\n') {
      this.#line++;
      this.#column = 1;
    } else {
      this.#column++;
    }
  }

  #error(reason: string): ApiError {
    return malformedJson(`invalid JSON: ${reason}`, { line: this.#line, column: this.#column });
  }
}

function parseFailure(text: string): ConversionError | undefined {
  try {
    parseJson(text);
  } catch (error) {
    if (error instanceof ConversionError) return error;
    throw error;
  }
  return undefined;
}

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t';
}
