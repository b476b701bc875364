// The event stream's own rules, without a server: resume by Last-Event-ID, heartbeats, a bounded
// lifetime, and letting go of the job when the client leaves.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { jobEventStream, parseLastEventId, type StreamLimits } from '../../src/jobs/job-event-stream.ts';
import type { JobListener } from '../../src/jobs/job-feed.ts';
import type { JobRecord } from '../../src/db/job-store.ts';
import { DEFAULT_OPTIONS } from '../../src/domain/options.ts';
import { parseSse } from './fixture.ts';

const LONG: StreamLimits = { heartbeatMs: 60_000, lifetimeMs: 60_000, retryMs: 1_000 };

function job(changes: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job_01jdq7zb3k4m5n6p7q8r9s0t',
    accountId: 'acct_01jdq7zb3k4m5n6p7q8r9s0t',
    status: 'queued',
    fromFormat: 'csv',
    toFormat: 'json',
    options: { ...DEFAULT_OPTIONS },
    progress: 0,
    attempts: 0,
    revision: 0,
    inputBytes: 10,
    error: null,
    resultBytes: null,
    resultRecords: null,
    resultExpiresAt: null,
    queueJobId: '00000000-0000-4000-8000-000000000000',
    requestId: 'req',
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
    ...changes,
  };
}

/** A feed driven by the test: `push` plays a poll that found the job in this state. */
function fakeFeed() {
  const listeners = new Set<JobListener>();
  return {
    watching: () => listeners.size,
    push: (state: JobRecord) => listeners.forEach((l) => l(state)),
    watch(_id: string, listener: JobListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

it('sends each change once, ends with the status event, and stops watching', async () => {
  const feed = fakeFeed();
  const stream = jobEventStream(job(), undefined, feed, LONG);
  const body = text(stream);
  feed.push(job());
  feed.push(job({ status: 'running', revision: 1 }));
  feed.push(job({ status: 'running', revision: 1 }));
  feed.push(job({ status: 'running', progress: 0.1, revision: 2 }));
  feed.push(job({ status: 'succeeded', progress: 1, revision: 3, resultBytes: 5, resultExpiresAt: new Date(Date.now() + 60_000) }));
  const blocks = parseSse(await body);
  assert.deepEqual(blocks[0], { retry: '1000' });
  assert.deepEqual(
    blocks.slice(1).map((b) => [b.id, b.event, JSON.parse(b.data!).status]),
    [
      ['0', 'progress', 'queued'],
      ['1', 'progress', 'running'],
      ['2', 'progress', 'running'],
      ['3', 'status', 'succeeded'],
    ],
  );
  assert.equal(JSON.parse(blocks.at(-1)!.data!).result.bytes, 5);
  assert.equal(feed.watching(), 0);
});

it('resumes after Last-Event-ID, and tells the end again to a client that already saw it', async () => {
  const feed = fakeFeed();
  const resumed = jobEventStream(job({ status: 'running', revision: 4 }), 4, feed, LONG);
  const body = text(resumed);
  feed.push(job({ status: 'running', revision: 4 }));
  feed.push(job({ status: 'failed', revision: 5 }));
  assert.deepEqual(parseSse(await body).filter((b) => b.event).map((b) => [b.id, b.event]), [['5', 'status']]);

  const after = jobEventStream(job({ status: 'failed', revision: 5 }), 5, fakeFeed(), LONG);
  assert.deepEqual(parseSse(await text(after)).filter((b) => b.event).map((b) => [b.id, b.event]), [['5', 'status']]);
});

it('sends heartbeat comments and ends after its lifetime while the job goes on', async () => {
  const feed = fakeFeed();
  const stream = jobEventStream(job({ status: 'running', revision: 1 }), undefined, feed, { heartbeatMs: 20, lifetimeMs: 130, retryMs: 1_000 });
  const started = Date.now();
  const blocks = parseSse(await text(stream));
  assert.ok(Date.now() - started < 1_000);
  assert.ok(blocks.filter((b) => b.comment === 'keep-alive').length >= 3);
  assert.deepEqual(blocks.filter((b) => b.event).map((b) => b.event), ['progress']);
  assert.equal(feed.watching(), 0);
});

it('lets go of the job when the client goes away', () => {
  const feed = fakeFeed();
  const stream = jobEventStream(job(), undefined, feed, LONG);
  assert.equal(feed.watching(), 1);
  stream.destroy();
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      assert.equal(feed.watching(), 0);
      resolve();
    }),
  );
});

it('reads only the ids it issues from Last-Event-ID', () => {
  assert.equal(parseLastEventId('12'), 12);
  assert.equal(parseLastEventId(undefined), undefined);
  assert.equal(parseLastEventId('1e3'), undefined);
  assert.equal(parseLastEventId('99999999999'), undefined);
});
