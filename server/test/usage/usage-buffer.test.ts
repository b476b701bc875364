// The in-memory side of metering: one row per account, key, operation, status and minute; a failed
// write put back without losing what arrived meanwhile; a bounded buffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageBuffer, type UsageRecord } from '../../src/usage/usage-buffer.ts';

const MINUTE = Date.UTC(2026, 10, 28, 12, 0);

function record(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return { accountId: 'acct_a', keyId: 'key_a', operationId: 'listFormats', status: 200, bytesIn: 10, bytesOut: 100, durationMs: 2, at: MINUTE + 5_000, ...overrides };
}

test('sums requests of one account, key, operation, status and minute into one row', () => {
  const buffer = new UsageBuffer(100);
  buffer.add(record());
  buffer.add(record({ bytesIn: 5, durationMs: 8, at: MINUTE + 59_999 }));
  buffer.add(record({ status: 404 }));
  buffer.add(record({ status: 404, durationMs: 1 }));
  buffer.add(record({ at: MINUTE + 60_000 }));
  buffer.add(record({ keyId: null }));
  assert.equal(buffer.records, 6);
  const rows = buffer.take();
  assert.equal(rows.length, 4);
  const row = { accountId: 'acct_a', keyId: 'key_a', operationId: 'listFormats', minute: MINUTE };
  assert.deepEqual(rows[0], { ...row, status: 200, requests: 2, errors: 0, bytesIn: 15, bytesOut: 200, durationMsSum: 10, durationMsMax: 8 });
  assert.deepEqual(rows[1], { ...row, status: 404, requests: 2, errors: 2, bytesIn: 20, bytesOut: 200, durationMsSum: 3, durationMsMax: 2 });
  assert.deepEqual(buffer.take(), []);
});

test('a failed batch goes back, merged with what arrived while it was being written', () => {
  const buffer = new UsageBuffer(100);
  buffer.add(record());
  const batch = buffer.take();
  buffer.add(record({ durationMs: 30 }));
  buffer.add(record({ operationId: 'getUsage' }));
  buffer.restore(batch);
  assert.equal(buffer.records, 3);
  const rows = buffer.take();
  assert.equal(rows.length, 2);
  const formats = rows.find((r) => r.operationId === 'listFormats');
  assert.equal(formats?.requests, 2);
  assert.equal(formats?.durationMsMax, 30);
});

test('a full buffer refuses new rows but still sums into the ones it holds', () => {
  const buffer = new UsageBuffer(1);
  assert.equal(buffer.add(record()), true);
  assert.equal(buffer.add(record({ operationId: 'getUsage' })), false);
  assert.equal(buffer.add(record()), true);
  assert.equal(buffer.take()[0]?.requests, 2);
});
