// Usage metering through the real server: totals (in all and per status) equal exactly the
// requests made, nothing is written per request, and the reports (JSON and CSV) show the caller's
// own account only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MikroORM } from '@mikro-orm/postgresql';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let orm: MikroORM;
const url = (path: string) => `${server.url}${path}`;

interface Totals {
  requests: number;
  errors: number;
  bytes_in: number;
  bytes_out: number;
}

before(async () => {
  // Longer than the tests: only an explicit flush (or shutdown) writes usage.
  server = await startTestServer({ USAGE_FLUSH_INTERVAL_MS: '60000' });
  orm = await MikroORM.init({ clientUrl: server.database.url, entities: [], discovery: { warnWhenNoEntities: false }, pool: { min: 0, max: 1 } });
});
after(async () => {
  await orm.close();
  await server.stop();
});

async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
  return orm.em.getConnection().execute<T[]>(sql, params);
}

/** Sends a request and returns what it put on the wire each way. */
async function metered(init: Parameters<typeof call>[1] & { path: string }): Promise<{ status: number; bytesIn: number; bytesOut: number }> {
  // Uncompressed, so the bytes read are the bytes sent (compressed answers: http/compression.test.ts).
  const res = await call(url(init.path), { ...init, headers: { 'Accept-Encoding': 'identity', ...init.headers } });
  const sent = init.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(init.body));
  return { status: res.status, bytesIn: sent, bytesOut: Buffer.byteLength(res.text) };
}

/** The response is recorded when the server has finished sending it, a moment after the client read it. */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail('never recorded');
}

function sum(replies: { status: number; bytesIn: number; bytesOut: number }[]): Totals {
  return {
    requests: replies.length,
    errors: replies.filter((r) => r.status >= 400).length,
    bytes_in: replies.reduce((n, r) => n + r.bytesIn, 0),
    bytes_out: replies.reduce((n, r) => n + r.bytesOut, 0),
  };
}

type StatusCounts = { status: number; requests: number }[];

/** Requests per status, ascending, as the API lists them. */
function byStatus(replies: { status: number }[]): StatusCounts {
  const counts = new Map<number, number>();
  for (const r of replies) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([status, requests]) => ({ status, requests }));
}

/** Several periods' status lists as one. */
function merged(lists: StatusCounts[]): StatusCounts {
  return byStatus(lists.flatMap((list) => list.flatMap((s) => Array.from({ length: s.requests }, () => ({ status: s.status })))));
}

const range = () => {
  const now = Date.now();
  return `from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 86_400_000).toISOString()}`;
};

describe('usage metering', () => {
  let key: { secret: string; id: string; accountId: string };
  const byOperation = new Map<string, { status: number; bytesIn: number; bytesOut: number }[]>();

  before(async () => {
    key = await server.newKey();
    const made = (operation: string, reply: { status: number; bytesIn: number; bytesOut: number }) =>
      byOperation.set(operation, [...(byOperation.get(operation) ?? []), reply]);
    for (let i = 0; i < 3; i++) made('listFormats', await metered({ path: '/v1/formats', key: key.secret }));
    for (let i = 0; i < 2; i++) made('createConversion', await metered({ path: '/v1/conversions', key: key.secret, body: { from: 'json', to: 'csv', input: `[{"a":${i}}]` } }));
    for (let i = 0; i < 2; i++) made('createConversion', await metered({ path: '/v1/conversions', key: key.secret, body: { from: 'json', to: 'nope', input: '[]' } }));
    made('createConversion', await metered({ path: '/v1/conversions', key: key.secret, body: { from: 'json', to: 'csv', input: '[{' } }));
    made('getJob', await metered({ path: '/v1/jobs/job_000000000000000000000000', key: key.secret }));
    // Not the account's: no credentials, and a key that does not exist.
    assert.equal((await call(url('/v1/formats'))).status, 401);
    assert.equal((await call(url('/v1/formats'), { key: 'tm_unknownkey_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status, 401);
  });

  it('writes nothing to the database per request', async () => {
    const [count] = await query<{ n: string }>('select count(*) as n from usage_minutes', []);
    assert.equal(Number(count!.n), 0);
    assert.equal(server.running.usage.waiting, [...byOperation.values()].flat().length);
  });

  it('records exactly the requests made, per operation, once flushed', async () => {
    await server.running.usage.flush();
    assert.equal(server.running.usage.waiting, 0);
    const stored = await query<{ operation_id: string; key_id: string | null } & Record<keyof Totals, string>>(
      `select operation_id, key_id, sum(requests) as requests, sum(errors) as errors, sum(bytes_in) as bytes_in, sum(bytes_out) as bytes_out
       from usage_minutes where account_id = ? group by 1, 2 order by 1`,
      [key.accountId],
    );
    assert.deepEqual(
      stored.map((r) => ({ operation: r.operation_id, key_id: r.key_id, requests: Number(r.requests), errors: Number(r.errors), bytes_in: Number(r.bytes_in), bytes_out: Number(r.bytes_out) })),
      [...byOperation].sort(([a], [b]) => a.localeCompare(b)).map(([operation, replies]) => ({ operation, key_id: key.id, ...sum(replies) })),
    );
    assert.equal(sum(byOperation.get('createConversion')!).errors, 3);
  });

  it('records the requests per status exactly as they were answered', async () => {
    await server.running.usage.flush();
    const stored = await query<{ operation_id: string; status: number; requests: string }>(
      `select operation_id, status, sum(requests) as requests from usage_minutes
       where account_id = ? and operation_id <> 'getUsage' and operation_id <> 'exportUsage' group by 1, 2 order by 1, 2`,
      [key.accountId],
    );
    const expected = [...byOperation].sort(([a], [b]) => a.localeCompare(b)).flatMap(([operation, replies]) => byStatus(replies).map((s) => ({ operation, ...s })));
    assert.deepEqual(stored.map((r) => ({ operation: r.operation_id, status: r.status, requests: Number(r.requests) })), expected);
    // Three statuses for one operation: 200, 400 (an unknown target format) and 422 (unparsable input).
    assert.deepEqual(byStatus(byOperation.get('createConversion')!).map((s) => s.status), [200, 400, 422]);
  });

  it('GET /v1/usage reports the same totals, with latency', async () => {
    const res = await call(url(`/v1/usage?${range()}&granularity=day`), { key: key.secret });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.granularity, 'day');
    for (const [operation, replies] of byOperation) {
      const reported = res.body.data.filter((row: { operation: string }) => row.operation === operation);
      const totals = reported.reduce(
        (t: Totals, row: Totals) => ({ requests: t.requests + row.requests, errors: t.errors + row.errors, bytes_in: t.bytes_in + row.bytes_in, bytes_out: t.bytes_out + row.bytes_out }),
        { requests: 0, errors: 0, bytes_in: 0, bytes_out: 0 },
      );
      assert.deepEqual(totals, sum(replies), operation);
      assert.deepEqual(merged(reported.map((row: { statuses: StatusCounts }) => row.statuses)), byStatus(replies), operation);
      for (const row of reported) {
        assert.ok(row.avg_latency_ms > 0 && row.max_latency_ms >= row.avg_latency_ms, JSON.stringify(row));
        assert.equal(row.statuses.reduce((n: number, s: { requests: number }) => n + s.requests, 0), row.requests, JSON.stringify(row));
      }
    }
    const one = await call(url(`/v1/usage?${range()}&granularity=minute&operation=listFormats`), { key: key.secret });
    assert.deepEqual(new Set(one.body.data.map((row: { operation: string }) => row.operation)), new Set(['listFormats']));
  });

  it('exports the same figures by day as CSV, streamed as a download', async () => {
    const res = await fetch(url(`/v1/usage/export?${range()}`), { headers: { 'X-API-Key': key.secret, 'Accept-Encoding': 'identity' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="usage-\d{8}T\d{6}Z-\d{8}T\d{6}Z\.csv"$/);
    const text = await res.text();
    const [header, ...lines] = text.split('\r\n');
    assert.equal(header, 'day,operation,requests,errors,bytes_in,bytes_out,avg_latency_ms,statuses');
    assert.equal(lines.pop(), '');
    const rows = lines.map((line) => line.split(','));
    for (const [operation, replies] of byOperation) {
      const mine = rows.filter((r) => r[1] === operation);
      assert.ok(mine.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r[0]!) && Number(r[6]) > 0), JSON.stringify(mine));
      const totals = { requests: 0, errors: 0, bytes_in: 0, bytes_out: 0 };
      for (const r of mine) {
        totals.requests += Number(r[2]);
        totals.errors += Number(r[3]);
        totals.bytes_in += Number(r[4]);
        totals.bytes_out += Number(r[5]);
      }
      assert.deepEqual(totals, sum(replies), operation);
      const statuses = mine.map((r) => r[7]!.split(' ').map((pair) => ({ status: Number(pair.split(':')[0]), requests: Number(pair.split(':')[1]) })));
      assert.deepEqual(merged(statuses), byStatus(replies), operation);
    }
    // A streamed body has no Content-Length: its bytes are counted as they pass.
    const exported = await eventually(async () => {
      await server.running.usage.flush();
      const [row] = await query<{ bytes_out: string }>("select bytes_out from usage_minutes where account_id = ? and operation_id = 'exportUsage'", [key.accountId]);
      return row;
    });
    assert.equal(Number(exported.bytes_out), Buffer.byteLength(text));
  });

  it("shows another account nothing of this account's usage", async () => {
    const other = await server.newKey();
    const json = await call(url(`/v1/usage?${range()}`), { key: other.secret });
    assert.equal(json.status, 200);
    assert.deepEqual(json.body.data, []);
    const csv = await call(url(`/v1/usage/export?${range()}`), { key: other.secret });
    assert.equal(csv.text, 'day,operation,requests,errors,bytes_in,bytes_out,avg_latency_ms,statuses\r\n');
  });

  it('needs the usage:read scope on a key', async () => {
    const narrow = await server.newKey({ scopes: ['conversions:write'] });
    assert.equal((await call(url(`/v1/usage?${range()}`), { key: narrow.secret })).status, 403);
  });

  it('refuses a range over 366 days, or one that ends before it starts (400 E1001)', async () => {
    for (const query of [
      'from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z',
      'from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
      'from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    ]) {
      for (const path of ['/v1/usage', '/v1/usage/export']) {
        const res = await call(url(`${path}?${query}`), { key: key.secret });
        assert.equal(res.status, 400, `${path}?${query}`);
        assert.equal(res.body.code, 'E1001');
        assert.equal(res.body.errors[0].path, '/query/to');
      }
    }
    assert.equal((await call(url('/v1/usage?from=2025-01-01T00:00:00Z&to=2026-01-02T00:00:00Z'), { key: key.secret })).status, 200);
  });

  it("sums a signed-in user's requests (no key) into one row per minute across flushes", async () => {
    const user = await signUp(server.url, 'usage-user@example.com');
    await call(url('/v1/formats'), { token: user.access });
    await server.running.usage.flush();
    await call(url('/v1/formats'), { token: user.access });
    await server.running.usage.flush();
    const stored = await query<{ minute: string; n: string; requests: string }>(
      `select minute, count(*) as n, sum(requests) as requests from usage_minutes
       where account_id = ? and operation_id = 'listFormats' and key_id is null group by 1`,
      [user.accountId],
    );
    assert.ok(stored.every((r) => Number(r.n) === 1), JSON.stringify(stored));
    assert.equal(stored.reduce((n, r) => n + Number(r.requests), 0), 2);
  });
});

describe('a body sent without Content-Length (chunked)', () => {
  /** POSTs `body` as a stream, so fetch sends it chunked, with no Content-Length. */
  async function chunked(path: string, key: string, body: string): Promise<number> {
    const bytes = new TextEncoder().encode(body);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5));
        controller.enqueue(bytes.subarray(5));
        controller.close();
      },
    });
    const res = await fetch(url(path), { method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    await res.arrayBuffer();
    assert.ok(res.status < 300, `${path} answered ${res.status}`);
    return bytes.length;
  }

  it('counts the bytes read, for a body read whole and for a streamed job input', async () => {
    const key = await server.newKey();
    const sent =
      (await chunked('/v1/conversions', key.secret, JSON.stringify({ from: 'json', to: 'csv', input: '[{"é":1}]' }))) +
      (await chunked('/v1/jobs', key.secret, JSON.stringify({ from: 'json', to: 'csv', input: '[{"ü":2}]' })));
    const total = await eventually(async () => {
      await server.running.usage.flush();
      const [row] = await query<{ n: string; bytes_in: string }>('select sum(requests) as n, sum(bytes_in) as bytes_in from usage_minutes where account_id = ?', [key.accountId]);
      return Number(row?.n) === 2 ? Number(row!.bytes_in) : undefined;
    });
    assert.equal(total, sent);
  });
});
