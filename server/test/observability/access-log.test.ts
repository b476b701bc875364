// The access line is written without pino, so it is checked against the line pino writes for the
// same fields: log processors must see one format.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { AccessLog, type AccessEntry } from '../../src/observability/access-log.ts';
import { createLogger } from '../../src/observability/logger.ts';

function capture(level: string) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger(level, sink), lines };
}

const entry: AccessEntry = {
  requestId: 'req-1',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  method: 'POST',
  path: '/v1/conversions',
  operation: 'createConversion',
  status: 200,
  durationMs: 1.25,
  accountId: 'acct_1',
  keyId: null,
  // Behind a trusted proxy the address comes from a header: whatever it holds stays inside its string.
  ip: '203.0.113.7", "admin": true\n',
};

function asPino(log: ReturnType<typeof createLogger>, e: AccessEntry, level: 'info' | 'error', msg: string): void {
  log.child({ request_id: e.requestId, trace_id: e.traceId })[level](
    { method: e.method, path: e.path, operation: e.operation, status: e.status, duration_ms: e.durationMs, account_id: e.accountId, key_id: e.keyId, ip: e.ip },
    msg,
  );
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":""');

describe('access log', () => {
  it('writes the line pino writes for the same fields', () => {
    const { log, lines } = capture('info');
    asPino(log, entry, 'info', 'request');
    new AccessLog(log).write(entry);
    assert.equal(lines.length, 2);
    assert.equal(withoutTime(lines[1]!), withoutTime(lines[0]!));
    assert.equal(JSON.parse(lines[1]!).ip, entry.ip);
    assert.ok(!Number.isNaN(Date.parse(JSON.parse(lines[1]!).time)));
  });

  it('logs a 5xx at error level as a failed request', () => {
    const { log, lines } = capture('info');
    const failed = { ...entry, status: 503, path: null, operation: null };
    asPino(log, failed, 'error', 'request failed');
    new AccessLog(log).write(failed);
    assert.equal(withoutTime(lines[1]!), withoutTime(lines[0]!));
    assert.equal(JSON.parse(lines[1]!).level, 'error');
  });

  it('follows the logger level', () => {
    const { log, lines } = capture('error');
    const access = new AccessLog(log);
    access.write(entry);
    assert.equal(lines.length, 0);
    access.write({ ...entry, status: 500 });
    assert.equal(lines.length, 1);
  });
});
