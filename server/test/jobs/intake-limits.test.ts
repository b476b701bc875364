// A job's body at its limits, through the real server: the size and media type refused from the
// headers before authentication; a body that grows past the limit, an input with more characters
// than the spec allows, a Content-Length that does not match the body, and an upload cut off
// midway all refused, with the chunks already stored deleted.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CHUNK_BYTES } from '../../src/db/job-payload-store.ts';
import { routes } from '../../src/generated/routes.ts';
import type { Database } from '../../src/db/orm.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { busyKey, leftovers, openTestDatabase, until } from './fixture.ts';

const LIMIT = routes.find((route) => route.operationId === 'createJob')!.bodyLimit;
const HEAD = '{"from":"csv","to":"json","input":"';

let server: TestServer;
let db: Database;
let key: string;
let accountId: string;

before(async () => {
  server = await startTestServer({ JOB_WORKERS: 'false' });
  db = await openTestDatabase(server.database.config);
  ({ secret: key, accountId } = await busyKey(server));
});
after(async () => {
  await db?.close();
  await server?.stop();
});

const nothingLeft = async () => assert.deepEqual(await leftovers(db, accountId), { jobs: 0, payloads: 0 });
const chunksStored = async () => (await leftovers(db, accountId)).payloads > 0;

/**
 * Sends `head` and then each of `parts` on one connection, the next once an answer to the last has
 * come (or at once, with no answer expected); resolves with everything answered until it closes.
 */
function raw(head: string, parts: string[], options: { halfClose?: boolean } = {}): Promise<string> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    let answer = '';
    const pending = [...parts];
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${head}\r\n\r\n${pending.shift() ?? ''}`);
      if (options.halfClose) socket.end();
    });
    socket.setEncoding('utf8');
    socket.on('data', (data) => {
      answer += data;
      if (options.halfClose || !/\r\n\r\n[\s\S]*\}$/.test(answer)) return;
      if (pending.length === 0) socket.destroy();
      else socket.write(pending.shift()!);
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** A request on `agent` (a chunked POST unless said otherwise) whose body the test writes piece by piece. */
function upload(agent?: Agent, method = 'POST'): { req: ReturnType<typeof httpRequest>; response: Promise<{ status: number; body: any }> } {
  let req!: ReturnType<typeof httpRequest>;
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', 'X-API-Key': key };
    req = httpRequest(`${server.url}/v1/jobs`, { method, headers, ...(agent ? { agent } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (data) => (text += data));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
  return { req, response };
}

describe('refused from the headers, before the credentials are looked at', () => {
  it('a Content-Length over the limit is 413 E1004', async () => {
    const answer = await raw(`POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT + 1}`, []);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"code":"E1004"/);
  });

  it('another media type is 415 E1003', async () => {
    const res = await call(`${server.url}/v1/jobs`, { raw: 'from=csv', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 415);
    assert.equal(res.body.code, 'E1003');
  });
});

describe('refused while reading, leaving nothing behind', () => {
  it('a chunked body that grows past the limit is 413 E1004, and the connection still serves the next request', async () => {
    const connection = new Agent({ keepAlive: true, maxSockets: 1 });
    const { req, response } = upload(connection);
    req.write(HEAD);
    const piece = 'x'.repeat(256 * 1024);
    for (let sent = 0; sent <= LIMIT; sent += piece.length) {
      if (!req.write(piece)) await new Promise((resolve) => req.once('drain', resolve));
    }
    req.end('"}');
    const res = await response;
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'E1004');
    await nothingLeft();
    // The rest of the refused body was read and dropped: the next request on the connection is answered.
    const next = upload(connection, 'GET');
    next.req.end();
    assert.equal((await next.response).status, 200);
    connection.destroy();
  });

  it('an input with more characters than the spec allows, within the byte limit, is 400 E1001', async () => {
    const res = await call(`${server.url}/v1/jobs`, { key, body: { from: 'csv', to: 'json', input: 'x'.repeat(33_554_433) } });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body.errors, [{ path: '/input', message: 'must NOT have more than 33554432 characters' }]);
    await nothingLeft();
  });

  it('a Content-Length shorter than the body ends it there: E1002 where it ends, and the rest is a bad request', async () => {
    const body = `${HEAD}${'x'.repeat(CHUNK_BYTES + 10)}"}`;
    const declared = body.length - 5;
    const head = `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: ${key}\r\nContent-Length: ${declared}`;
    const answer = await raw(head, [body.slice(0, declared), body.slice(declared)]);
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*"code":"E1002".*"message":"invalid JSON: Unterminated string"/);
    // What followed is not a request: answered with the catalog's E1016, and the connection closed.
    assert.match(answer, /\}HTTP\/1\.1 400 Bad Request\r\n[^{]*Connection: close\r\n\r\n\{[^}]*"code":"E1016"[^}]*\}$/);
    await nothingLeft();
  });

  it('a Content-Length longer than the body, the connection then closed, is refused by Node (400)', async () => {
    const body = `${HEAD}${'x'.repeat(CHUNK_BYTES + 10)}"}`;
    const head = `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: ${key}\r\nContent-Length: ${body.length + 5}`;
    const answer = await raw(head, [body], { halfClose: true });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    // Node answers before the intake has failed: its chunk may be stored and discarded after the
    // answer, so wait for the request to be done with on the server.
    await until(async () => server.running.shedder.inFlight === 0);
    await nothingLeft();
  });

  it('an upload cut off after chunks were stored', async () => {
    const { req, response } = upload();
    response.catch(() => {});
    req.write(`${HEAD}${'x'.repeat(2 * CHUNK_BYTES)}`);
    await until(chunksStored);
    req.destroy();
    await until(async () => !(await chunksStored()));
    await nothingLeft();
  });
});
