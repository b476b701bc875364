// Usage of the environment key's account, as JSON and as the billing CSV. The conversions the
// earlier suites made are what it counts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contract, until } from '../support/contract.ts';

const HOUR_MS = 3_600_000;

/** A range around now: usage periods start on the hour, and counts land a few seconds late. */
function aroundNow(): { from: string; to: string } {
  return { from: new Date(Date.now() - HOUR_MS).toISOString(), to: new Date(Date.now() + HOUR_MS).toISOString() };
}

export function usageSuite(): void {
  describe('usage', () => {
    it('usage.retrieve counts requests per operation and period', async () => {
      const { client } = contract();
      await client.conversions.create({ from: 'json', to: 'yaml', input: '{"a":1}' });
      const range = aroundNow();
      const row = await until(async () => (await client.usage.retrieve({ ...range, granularity: 'minute' })).data.find((r) => r.operation === 'createConversion'), 'createConversion in the usage', 500);
      assert.ok(row.requests >= 1);
      assert.ok(row.bytes_in > 0);
      const usage = await client.usage.retrieve({ ...range, operation: 'createConversion' });
      assert.equal(usage.granularity, 'hour', 'the documented default');
      assert.deepEqual(new Set(usage.data.map((r) => r.operation)), new Set(['createConversion']));
    });

    it('usage.export is CSV by day, with a header row', async () => {
      const { data: csv, response } = await contract().client.usage.export(aroundNow()).withResponse();
      assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
      const [header, ...rows] = csv.trim().split('\r\n');
      assert.equal(header, 'day,operation,requests,errors,bytes_in,bytes_out,avg_latency_ms,statuses');
      assert.ok(rows.some((r) => r.split(',')[1] === 'createConversion'));
    });
  });
}
