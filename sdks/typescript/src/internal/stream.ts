// An event stream as it arrives: `for await (const event of stream)`. The loop ends when the server
// closes the stream, when `stream.controller.abort()` is called (quietly: the caller chose to stop),
// or when the call's `signal` fires (APIUserAbortError: the caller cancelled). Leaving the loop early
// closes the connection.
import { APIConnectionError, APIError, APIUserAbortError, TransmuteError } from './errors.ts';
import { readEvents, type ServerSentEvent } from './sse.ts';

export class Stream<Item> implements AsyncIterable<Item> {
  /** Aborting it ends the stream and releases its connection. */
  readonly controller: AbortController;
  /** The response whose body is being read. */
  readonly response: Response;
  readonly #signal: AbortSignal | undefined;
  readonly #parse: (event: ServerSentEvent) => Item;
  #read = false;

  constructor(response: Response, controller: AbortController, signal: AbortSignal | undefined, parse: (event: ServerSentEvent) => Item) {
    this.response = response;
    this.controller = controller;
    this.#signal = signal;
    this.#parse = parse;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    if (this.#read) throw new TransmuteError('An event stream can be read once: it is the one connection its call opened.');
    this.#read = true;
    const body = this.response.body;
    if (!body) return;
    const reader = body.getReader();
    const signal = this.#signal ? AbortSignal.any([this.#signal, this.controller.signal]) : this.controller.signal;
    // Cancelling the reader ends a pending read at once, whatever fetch does with its own signal.
    const stop = (): void => void reader.cancel(signal.reason).catch(() => undefined);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const event of readEvents(chunks(reader, signal))) yield this.#parse(event);
      if (this.#signal?.aborted) throw new APIUserAbortError({ cause: this.#signal.reason });
    } finally {
      this.controller.abort();
      signal.removeEventListener('abort', stop);
    }
  }
}

/** The body's chunks until it ends or the stream is stopped; a connection lost mid-stream throws. */
async function* chunks(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  for (;;) {
    const result = await reader.read().catch((cause: unknown) => {
      if (signal.aborted) return { done: true as const };
      throw new APIConnectionError('The event stream broke off.', { cause });
    });
    if (result.done) return;
    yield result.value;
  }
}

/** An event whose `data` is JSON, parsed; the model's unknown fields are kept as they come. */
export function jsonEvent<Data>(event: ServerSentEvent): ServerSentEvent<Data> {
  try {
    return { ...event, data: JSON.parse(event.data) as Data };
  } catch (cause) {
    throw new APIError(`The data of the \`${event.event}\` event (id ${event.id}) is not JSON.`, { cause });
  }
}
