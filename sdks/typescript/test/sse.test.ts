// The SSE reader on the shared vectors: each byte stream, cut as each vector says, yields exactly
// the events the WHATWG rules give, as in the Python and Go SDKs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEvents, type ServerSentEvent } from '../src/internal/sse.ts';
import { readVectors } from './support/fake-fetch.ts';

interface SseVector {
  name: string;
  bytes: string;
  cuts: number[][];
  events: ServerSentEvent[];
}
const { vectors } = readVectors<{ vectors: SseVector[] }>('sse.json');

/** The stream as chunks that end at each cut, delivered one by one like a response body. */
async function* chunks(stream: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const end of [...cuts, stream.length]) {
    yield stream.subarray(start, end);
    start = end;
  }
}

describe('SSE vectors (sdks/conformance/sse.json)', () => {
  for (const v of vectors) {
    it(v.name, async () => {
      const stream = Buffer.from(v.bytes, 'base64');
      for (const cuts of v.cuts) {
        const events: ServerSentEvent[] = [];
        for await (const event of readEvents(chunks(stream, cuts))) events.push(event);
        assert.deepEqual(events, v.events, `cut at [${cuts.join(', ')}]`);
      }
    });
  }
});
