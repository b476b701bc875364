// POST /v1/jobs reads its body as a stream (jobs/job-intake.ts). Through the real server: what is
// stored is exactly the UTF-8 of the input JSON.parse would read, in chunks; a malformed or invalid
// body is refused as the whole-body reader refuses it (POST /v1/conversions is the reference) and
// leaves no job and no payload row, even when chunks were already stored; Idempotency-Key still
// tells payloads apart. The server runs no workers, so every input stays stored for the test.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CHUNK_BYTES } from '../../src/db/job-payload-store.ts';
import { ConversionError } from '../../src/domain/errors.ts';
import { parseJson } from '../../src/domain/json.ts';
import type { Database } from '../../src/db/orm.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { busyKey, leftovers, openTestDatabase, storedInput, until } from './fixture.ts';

let server: TestServer;
let db: Database;

before(async () => {
  server = await startTestServer({ JOB_WORKERS: 'false' });
  db = await openTestDatabase(server.database.config);
});
after(async () => {
  await db?.close();
  await server?.stop();
});

function post(key: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return call(`${server.url}/v1/jobs`, { key, raw: body as string, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** An input past the first chunk, so a refusal that comes after it has chunks to delete. */
const BIG = 'x'.repeat(CHUNK_BYTES + 100_000);

describe('what is stored', () => {
  let key: string;
  before(async () => ({ secret: key } = await busyKey(server)));

  it('is the UTF-8 of the input as JSON.parse reads it: escapes, surrogate pairs, lone surrogates, NUL', async () => {
    const bodies = [
      JSON.stringify({ from: 'csv', to: 'json', input: 'name,note\nAda,"quoted, with \\"escapes\\""\n' }),
      '{"from":"json","to":"yaml","input":"[\\"\\u00e9\\u00E9 \\ud83d\\ude00 \\ud800 lone \\udc00 \\u0000 \\/ \\b\\f\\r\\t é中😀\\"]"}',
      '{ "input" : "" , "to" : "json" , "from" : "csv" }',
    ];
    for (const body of bodies) {
      const res = await post(key, body);
      assert.equal(res.status, 202, res.text);
      const expected = Buffer.from((JSON.parse(body) as { input: string }).input, 'utf8');
      assert.equal(res.body.input_bytes, expected.length);
      const stored = await storedInput(db, res.body.id);
      assert.ok(stored.content.equals(expected), body);
      assert.deepEqual(stored.chunks, [expected.length]);
    }
  });

  it('reads bytes that are not UTF-8 as U+FFFD, as every other body is read', async () => {
    const body = Buffer.concat([Buffer.from('{"from":"csv","to":"json","input":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"}')]);
    const res = await post(key, body);
    assert.equal(res.status, 202, res.text);
    const expected = Buffer.from((JSON.parse(new TextDecoder().decode(body)) as { input: string }).input, 'utf8');
    assert.ok((await storedInput(db, res.body.id)).content.equals(expected));
  });

  it('keeps a large input in chunks of at most CHUNK_BYTES that join into it', async () => {
    const input = 'é中😀 "quoted" \\ tab\t\n'.repeat(120_000);
    const res = await post(key, JSON.stringify({ from: 'csv', to: 'json', input }));
    assert.equal(res.status, 202, res.text);
    const expected = Buffer.from(input, 'utf8');
    assert.equal(res.body.input_bytes, expected.length);
    const stored = await storedInput(db, res.body.id);
    assert.ok(stored.chunks.length >= Math.ceil(expected.length / CHUNK_BYTES), String(stored.chunks));
    assert.ok(stored.chunks.every((bytes) => bytes <= CHUNK_BYTES), String(stored.chunks));
    assert.ok(stored.content.equals(expected));
  });
});

describe('a refused body', () => {
  let key: string;
  let accountId: string;
  before(async () => ({ secret: key, accountId } = await busyKey(server)));

  it('is E1002 where JSON.parse stops, after chunks were stored too, and leaves nothing', async () => {
    const bodies = [
      `{"from":"csv","to":"json","input":"${BIG}\u0001"}`,
      `{"from":"csv","to":"json","input":"${BIG}\\x"}`,
      `{"from":"csv","to":"json","input":"${BIG}\\u12z4"}`,
      `{"from":"csv","to":"json","input":"${BIG}"}\n  trailing`,
      `{"from":"csv",\n "to":"json",\n "input":"${BIG}"\n "options":{}}`,
      `{"from":"csv","to":"json","input":"${BIG}`,
    ];
    for (const body of bodies) {
      const res = await post(key, body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'E1002');
      const expected = refusalOf(body);
      assert.deepEqual(res.body.errors, [{ path: '', message: expected.message, line: expected.line, column: expected.column }]);
      assert.deepEqual(await leftovers(db, accountId), { jobs: 0, payloads: 0 });
    }
  });

  it('refuses a top-level key given twice (E1002 at the second), after the input was stored', async () => {
    const res = await post(key, `{"from":"csv","to":"json","input":"${BIG}",\n"input":"again"}`);
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body.errors, [{ path: '', message: 'invalid JSON: duplicate key "input"', line: 2, column: 1 }]);
    assert.deepEqual(await leftovers(db, accountId), { jobs: 0, payloads: 0 });
  });

  it('answers a body the schema refuses exactly as the whole-body reader does (E1001, same pointers)', async () => {
    const bodies: unknown[] = [
      { from: 'csv', to: 'json', input: 'a', colour: 'blue' },
      { from: 'cvs', to: 'json', input: 'a' },
      { from: 'csv', to: 'json', input: 5 },
      { from: 'csv', to: 'json', input: { text: 'a' } },
      { from: 'csv', to: 'json' },
      { from: 'csv', to: 'json', input: 'a', options: { delimiter: ';;', pretty: 'yes' } },
      ['csv', 'json'],
      'a string',
      null,
    ];
    for (const value of [...bodies.map((b) => JSON.stringify(b)), '{"__proto__":{"admin":true},"from":"csv","to":"json","input":"a"}']) {
      const streamed = await post(key, value);
      const whole = await call(`${server.url}/v1/conversions`, { key, raw: value, headers: { 'Content-Type': 'application/json' } });
      assert.equal(streamed.status, 400, value);
      assert.deepEqual({ code: streamed.body.code, errors: streamed.body.errors }, { code: whole.body.code, errors: whole.body.errors }, value);
    }
    const big = await post(key, JSON.stringify({ from: 'csv', to: 'json', input: BIG, colour: 'blue' }));
    assert.deepEqual(big.body.errors, [{ path: '/colour', message: 'is not a known field' }]);
    assert.deepEqual(await leftovers(db, accountId), { jobs: 0, payloads: 0 });
  });
});

describe('Idempotency-Key with a streamed body', () => {
  let key: string;
  let accountId: string;
  before(async () => ({ secret: key, accountId } = await busyKey(server)));

  const payloadRows = async () => (await leftovers(db, accountId)).payloads;

  it('replays the same payload, however it is written, and keeps only the first request input', async () => {
    const idem = randomUUID();
    const body = JSON.stringify({ from: 'csv', to: 'json', input: `A,B\n${BIG}\n` });
    const first = await post(key, body, { 'Idempotency-Key': idem });
    assert.equal(first.status, 202, first.text);
    const chunks = (await storedInput(db, first.body.id)).chunks.length;
    // The same document: other spacing, key order, and an escape for a plain character.
    const reworded = ` { "input" : "\\u0041,B\\n${BIG}\\n", "to":"json", "from":"csv" } `;
    for (const again of [body, reworded]) {
      const replay = await post(key, again, { 'Idempotency-Key': idem });
      assert.equal(replay.status, 202);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.equal(replay.body.id, first.body.id);
    }
    // Each replay stored its input as it arrived; it is deleted once the replay is answered.
    await until(async () => (await payloadRows()) === chunks);
    assert.equal((await leftovers(db, accountId)).jobs, 1);
  });

  it('refuses the key for another input (422 E1010) and deletes that input', async () => {
    const idem = randomUUID();
    const first = await post(key, JSON.stringify({ from: 'csv', to: 'json', input: `a\n${BIG}1\n` }), { 'Idempotency-Key': idem });
    assert.equal(first.status, 202, first.text);
    const kept = await leftovers(db, accountId);
    const other = await post(key, JSON.stringify({ from: 'csv', to: 'json', input: `a\n${BIG}2\n` }), { 'Idempotency-Key': idem });
    assert.equal(other.status, 422, other.text);
    assert.equal(other.body.code, 'E1010');
    await until(async () => JSON.stringify(await leftovers(db, accountId)) === JSON.stringify(kept));
  });
});

function refusalOf(body: string): ConversionError {
  try {
    parseJson(body);
  } catch (error) {
    if (error instanceof ConversionError) return error;
    throw error;
  }
  assert.fail('JSON.parse accepted the body');
}
