// Background jobs, with a key of their own (polling spends requests): create, follow (poll and
// SSE), download, list, cancel.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ConflictError, NotFoundError, type Job, type JobEvent, type Transmute } from '../../src/index.ts';
import { BACKGROUND_MS, newKeyClient } from '../support/contract.ts';
import { rejectsWith } from '../support/errors.ts';

const CSV = 'name,age\nAda,36\nAlan,41\n';

export function jobsSuite(): void {
  describe('jobs', () => {
    let client: Transmute;
    let job: Job;
    before(async () => {
      client = await newKeyClient('jobs');
    });

    it('jobs.create answers 202 with the queued job and its Location', async () => {
      const { data, response } = await client.jobs.create({ from: 'csv', to: 'json', input: CSV }).withResponse();
      job = data;
      assert.equal(response.status, 202);
      assert.equal(response.headers.get('location'), `/v1/jobs/${job.id}`);
      assert.match(job.id, /^job_[0-9a-z]{24}$/);
      assert.equal(job.input_bytes, CSV.length);
    });

    it('jobs.streamEvents yields the job as it changes, until its final status event ends the stream', async () => {
      const events: JobEvent[] = [];
      for await (const event of await client.jobs.streamEvents(job.id, { timeout: BACKGROUND_MS })) events.push(event);
      assert.ok(events.length > 0);
      assert.deepEqual(events.slice(0, -1).map((e) => e.event), Array(events.length - 1).fill('progress'));
      assert.ok(events.every((e) => e.id !== null && e.data.id === job.id));
      const last = events.at(-1);
      assert.equal(last?.event, 'status');
      assert.equal(last.data.status, 'succeeded');
    });

    it('jobs.retrieve shows the result; jobs.getResult is the document, as text', async () => {
      const done = await client.jobs.retrieve(job.id);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.result?.media_type, 'application/json');
      const output = await client.jobs.getResult(job.id);
      assert.equal(typeof output, 'string', 'a download (x-download) stays text whatever its format, JSON included');
      assert.deepEqual(JSON.parse(output), [
        { name: 'Ada', age: '36' },
        { name: 'Alan', age: '41' },
      ]);
    });

    it('jobs.list pages newest first, by page or item by item', async () => {
      const other = await client.jobs.createAndWait({ from: 'json', to: 'ndjson', input: '[{"a":1}]' }, { deadlineMs: BACKGROUND_MS });
      assert.equal(other.status, 'succeeded');
      const first = await client.jobs.list({ limit: 1, status: 'succeeded' });
      assert.deepEqual(first.data.map((j) => j.id), [other.id]);
      assert.ok(first.next_cursor, 'a second page exists');
      const ids: string[] = [];
      for await (const item of client.jobs.list({ limit: 1, status: 'succeeded' })) ids.push(item.id);
      assert.deepEqual(ids.slice(0, 2), [other.id, job.id]);
    });

    it('jobs.cancel cancels a job that has not finished, or answers E1401 when the worker was quicker', async () => {
      const queued = await client.jobs.create({ from: 'csv', to: 'yaml', input: CSV });
      const outcome = await client.jobs.cancel(queued.id).then(
        (canceled) => canceled,
        (error: unknown) => error,
      );
      if (outcome instanceof ConflictError) {
        assert.equal(outcome.code, 'E1401');
        assert.equal((await client.jobs.retrieve(queued.id)).status, 'succeeded');
      } else {
        assert.equal((outcome as Job).status, 'canceled');
        assert.equal((await client.jobs.retrieve(queued.id)).status, 'canceled');
      }
    });

    it('jobs.retrieve of an unknown job is NotFoundError E1005', async () => {
      await rejectsWith(client.jobs.retrieve(`job_${'0'.repeat(24)}`), NotFoundError, 'E1005');
    });
  });
}
