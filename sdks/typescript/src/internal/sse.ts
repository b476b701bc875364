// Server-Sent Events parsed as the bytes arrive, per the WHATWG HTML standard's "event stream
// interpretation" (§9.2.6): lines end at CRLF, LF or CR; `data:` lines are joined with "\n"; a blank
// line dispatches; a trailing event with no blank line after it is dropped. The SDK does not
// reconnect on its own, so `retry:` is read past like any unknown field.

export interface ServerSentEvent<Data = string> {
  /** The last `id:` the stream sent (send it as `Last-Event-ID` to resume); null before any, or once an empty `id:` cleared it. */
  id: string | null;
  /** The `event:` name; `message` when the event named none. */
  event: string;
  data: Data;
}

const LF = 10;
const CR = 13;

/** Turns text, in chunks cut anywhere, into the events it completes. */
export class SSEDecoder {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #lastId: string | null = null;

  /** The events completed by this chunk, in order. */
  push(text: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    const buffer = this.#buffer + text;
    let start = 0;
    for (let i = 0; i < buffer.length; ) {
      const c = buffer.charCodeAt(i);
      if (c !== LF && c !== CR) {
        i++;
        continue;
      }
      // A CR that ends the chunk may be the first half of a CRLF: its line waits for the next chunk.
      if (c === CR && i + 1 === buffer.length) break;
      this.#line(buffer.slice(start, i), events);
      i += c === CR && buffer.charCodeAt(i + 1) === LF ? 2 : 1;
      start = i;
    }
    this.#buffer = buffer.slice(start);
    return events;
  }

  /** The end of the stream: a held-back CR still ends its line; an event left unfinished is dropped. */
  end(): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    if (this.#buffer.endsWith('\r')) this.#line(this.#buffer.slice(0, -1), events);
    this.#buffer = '';
    return events;
  }

  #line(line: string, events: ServerSentEvent[]): void {
    if (line === '') return this.#dispatch(events);
    if (line.startsWith(':')) return; // a comment (servers send them to keep the connection alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const raw = colon === -1 ? '' : line.slice(colon + 1);
    const value = raw.startsWith(' ') ? raw.slice(1) : raw;
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value || null; // the standard's empty id is "none", as before the first
  }

  #dispatch(events: ServerSentEvent[]): void {
    if (this.#data.length > 0) events.push({ id: this.#lastId, event: this.#event || 'message', data: this.#data.join('\n') });
    this.#data = [];
    this.#event = '';
  }
}

/** The events of a byte stream, decoded as UTF-8 (a leading BOM dropped) as each chunk arrives. */
export async function* readEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const text = new TextDecoder();
  const decoder = new SSEDecoder();
  for await (const chunk of body) yield* decoder.push(text.decode(chunk, { stream: true }));
  yield* decoder.push(text.decode());
  yield* decoder.end();
}
