// create-and-wait replayed from the shared vectors: its polling schedule, the hints it honours, its
// deadline and its cancellation, measured at a fake transport.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { APITimeoutError, APIUserAbortError, Transmute } from '../src/index.ts';
import { fakeFetch, json, readVectors, type Step } from './support/fake-fetch.ts';

interface Bounds {
  min_ms: number;
  max_ms: number;
}
interface JobAnswer {
  status: string;
  headers: Record<string, string>;
}
interface WaitRun {
  name: string;
  poll_interval_ms: number;
  deadline_ms?: number;
  create: JobAnswer;
  polls: JobAnswer[];
  cancel_at_poll?: number;
  expect: { outcome: 'succeeded' | 'timeout' | 'canceled'; polls?: number; pauses?: Bounds[]; elapsed?: Bounds };
}
const { runs } = readVectors<{ runs: WaitRun[] }>('jobs-wait.json');

const job = (status: string) => ({ id: 'job_1', status, from: 'csv', to: 'json', progress: 0, attempts: 0, input_bytes: 3, created_at: '2026-09-21T12:53:20Z' });
const within = (value: number, { min_ms, max_ms }: Bounds, what: string) =>
  // Timers may fire up to a millisecond before the clock shows the full wait.
  assert.ok(value >= min_ms - 1 && value <= max_ms, `${what}: ${value.toFixed(1)} ms not in [${min_ms}, ${max_ms}]`);

describe('create-and-wait vectors (sdks/conformance/jobs-wait.json)', () => {
  for (const run of runs) {
    it(run.name, async () => {
      const arrivals: number[] = [];
      const controller = new AbortController();
      const answer = (a: JobAnswer): Step => async () => {
        arrivals.push(performance.now());
        if (arrivals.length - 1 === run.cancel_at_poll) controller.abort();
        return json(200, job(a.status), a.headers);
      };
      // Enough answers for any run: the last one repeats.
      const polls = Array.from({ length: 200 }, (_, i) => answer(run.polls[Math.min(i, run.polls.length - 1)]!));
      const { fetch, sent } = fakeFetch([answer(run.create), ...polls]);
      const client = new Transmute({ apiKey: 'tk_test', baseURL: 'http://sdk.test', fetch });
      const started = performance.now();
      const outcome = await client.jobs
        .createAndWait({ from: 'csv', to: 'json', input: 'a\n1\n' }, { pollIntervalMs: run.poll_interval_ms, deadlineMs: run.deadline_ms, signal: controller.signal })
        .then(
          (final) => final.status,
          (error: unknown) => (error instanceof APITimeoutError ? 'timeout' : error instanceof APIUserAbortError ? 'canceled' : error),
        );
      assert.equal(outcome, run.expect.outcome);
      if (run.expect.elapsed) within(performance.now() - started, run.expect.elapsed, 'elapsed');
      if (run.expect.polls !== undefined) assert.equal(sent.length - 1, run.expect.polls, 'polls');
      run.expect.pauses?.forEach((bounds, i) => within(arrivals[i + 1]! - arrivals[i]!, bounds, `pause ${i + 1}`));
    });
  }
});
