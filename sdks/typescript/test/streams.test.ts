// Event streams (GET /v1/jobs/{id}/events): the SSE reader against the WHATWG parsing rules, and the
// stream a call returns, on a scripted fetch whose body the test writes chunk by chunk.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIConnectionError, APIError, APIUserAbortError, InternalServerError, Transmute, TransmuteError, type Job, type JobEvent } from '../src/index.ts';
import { SSEDecoder, type ServerSentEvent } from '../src/internal/sse.ts';
import { fakeFetch, json, type Step } from './support/fake-fetch.ts';

/** Feeds the chunks to one decoder and returns every event it dispatched. */
function decode(...chunks: string[]): ServerSentEvent[] {
  const decoder = new SSEDecoder();
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()];
}

/**
 * An event-stream answer the test writes as it goes. Like fetch, its body fails when the request's
 * signal aborts; `cancelled` settles when the SDK lets go of the body.
 */
function liveStream(headers: Record<string, string> = {}) {
  const encoder = new TextEncoder();
  let body!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled!: () => void;
  const released = new Promise<void>((resolve) => (cancelled = resolve));
  const step: Step = async (_request, signal) => {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        body = controller;
        signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
      },
      cancel: () => cancelled(),
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream', ...headers } });
  };
  return {
    step,
    send: (text: string) => body.enqueue(encoder.encode(text)),
    end: () => body.close(),
    fail: (error: Error) => body.error(error),
    released,
  };
}

const client = (fetch: typeof globalThis.fetch, timeout?: number) => new Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test', fetch, maxRetries: 1, ...(timeout ? { timeout } : {}) });
const event = (id: number, name: string, job: Partial<Job> & Record<string, unknown>) => `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(job)}\n\n`;

describe('the SSE reader', () => {
  it('joins data lines with "\\n" and names an unnamed event `message`', () => {
    assert.deepEqual(decode('data: one\ndata:two\ndata:  three\n\n'), [{ id: null, event: 'message', data: 'one\ntwo\n three' }]);
  });

  it('ends lines at CRLF, LF or CR, a CRLF split between chunks included', () => {
    assert.deepEqual(decode('event: a\r\ndata: 1\r', '\n\r', 'event: b\rdata: 2\r\r'), [
      { id: null, event: 'a', data: '1' },
      { id: null, event: 'b', data: '2' },
    ]);
  });

  it('reads a stream cut anywhere, one character at a time', () => {
    const text = 'id: 7\nevent: progress\ndata: {"progress":0.5}\n\n';
    assert.deepEqual(decode(...text), [{ id: '7', event: 'progress', data: '{"progress":0.5}' }]);
  });

  it('ignores comments, retry and unknown fields; an event without data is not dispatched', () => {
    assert.deepEqual(decode(': keep-alive\n\nretry: 3000\nfoo: bar\nevent: lonely\n\ndata\n\n'), [{ id: null, event: 'message', data: '' }]);
  });

  it('keeps the last id for the events after it, and an id with NUL is ignored', () => {
    assert.deepEqual(decode('id: 1\ndata: a\n\ndata: b\n\nid: 2\0\ndata: c\n\n').map((e) => e.id), ['1', '1', '1']);
  });

  it('drops an event the stream ends in the middle of, but ends a line on a final CR', () => {
    assert.deepEqual(decode('data: whole\n\ndata: cut'), [{ id: null, event: 'message', data: 'whole' }]);
    assert.deepEqual(decode('data: last\r', '\r'), [{ id: null, event: 'message', data: 'last' }]);
  });
});

describe('jobs.streamEvents', () => {
  it('yields each event as it arrives, data parsed into the Job with unknown fields and events kept', async () => {
    const live = liveStream({ 'x-request-id': 'req_1' });
    const { fetch, sent } = fakeFetch([live.step]);
    const { data: stream, request_id } = await client(fetch).jobs.streamEvents('job_1').withResponse();
    assert.equal(request_id, 'req_1');
    assert.equal(sent[0]?.headers.get('accept'), 'text/event-stream');
    const events = stream[Symbol.asyncIterator]();
    live.send(event(1, 'progress', { id: 'job_1', status: 'running', progress: 0.5, shard: 3 }).slice(0, 20));
    const first = events.next();
    live.send(event(1, 'progress', { id: 'job_1', status: 'running', progress: 0.5, shard: 3 }).slice(20));
    const progress = (await first).value as JobEvent;
    assert.deepEqual(progress, { id: '1', event: 'progress', data: { id: 'job_1', status: 'running', progress: 0.5, shard: 3 } });
    live.send(event(2, 'heartbeat', { id: 'job_1', status: 'running' }) + event(3, 'status', { id: 'job_1', status: 'succeeded' }));
    live.end();
    const rest: JobEvent[] = [];
    for (let next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
    assert.deepEqual(
      rest.map((e) => [e.id, e.event, e.data.status]),
      [
        ['2', 'heartbeat', 'running'],
        ['3', 'status', 'succeeded'],
      ],
    );
  });

  it('retries establishing the stream, then is not cut by the deadline while it delivers', async () => {
    const live = liveStream();
    const { fetch } = fakeFetch([json(503, { code: 'E1502' }, { 'retry-after-ms': '0' }), live.step]);
    const stream = await client(fetch, 300).jobs.streamEvents('job_1');
    setTimeout(() => {
      live.send(event(1, 'status', { id: 'job_1', status: 'succeeded' }));
      live.end();
    }, 600);
    const events: JobEvent[] = [];
    for await (const e of stream) events.push(e);
    assert.deepEqual(events.map((e) => e.data.status), ['succeeded']);
  });

  it('fails like any call when the stream cannot be established', async () => {
    const { fetch } = fakeFetch([json(500, { code: 'E1500' }, { 'retry-after-ms': '0' }), json(500, { code: 'E1500' })]);
    await assert.rejects(client(fetch).jobs.streamEvents('job_1'), InternalServerError);
  });

  it('ends quietly on controller.abort() mid-stream and releases the body', async () => {
    const live = liveStream();
    const { fetch } = fakeFetch([live.step]);
    const stream = await client(fetch).jobs.streamEvents('job_1');
    live.send(event(1, 'progress', { id: 'job_1', status: 'running' }));
    const seen: string[] = [];
    for await (const e of stream) {
      seen.push(e.event);
      stream.controller.abort();
    }
    assert.deepEqual(seen, ['progress']);
    await live.released;
  });

  it("throws APIUserAbortError when the call's signal fires mid-stream", async () => {
    const live = liveStream();
    const { fetch } = fakeFetch([live.step]);
    const cancel = new AbortController();
    const stream = await client(fetch).jobs.streamEvents('job_1', { signal: cancel.signal });
    live.send(event(1, 'progress', { id: 'job_1', status: 'running' }));
    await assert.rejects(async () => {
      for await (const e of stream) {
        assert.equal(e.event, 'progress');
        cancel.abort();
      }
    }, APIUserAbortError);
  });

  it('closes the connection when the loop is left early', async () => {
    const live = liveStream();
    const { fetch } = fakeFetch([live.step]);
    const stream = await client(fetch).jobs.streamEvents('job_1');
    live.send(event(1, 'progress', { id: 'job_1', status: 'running' }));
    for await (const e of stream) if (e.event === 'progress') break;
    await live.released;
    assert.ok(stream.controller.signal.aborted);
  });

  it('reports a connection lost mid-stream, and data that is not JSON', async () => {
    const lost = liveStream();
    const broken = liveStream();
    const { fetch } = fakeFetch([lost.step, broken.step]);
    const sdk = client(fetch);
    const first = await sdk.jobs.streamEvents('job_1');
    lost.fail(new TypeError('terminated'));
    await assert.rejects(async () => {
      for await (const _ of first);
    }, APIConnectionError);
    const second = await sdk.jobs.streamEvents('job_1');
    broken.send('event: status\ndata: {not json\n\n');
    await assert.rejects(async () => {
      for await (const _ of second);
    }, (error: unknown) => error instanceof APIError && /not JSON/.test(error.message));
  });

  it('is read once', async () => {
    const live = liveStream();
    const { fetch } = fakeFetch([live.step]);
    const stream = await client(fetch).jobs.streamEvents('job_1');
    live.end();
    for await (const _ of stream);
    await assert.rejects(async () => {
      for await (const _ of stream);
    }, TransmuteError);
  });
});
