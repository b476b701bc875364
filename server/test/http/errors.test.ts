// Every error path a client can reach, through the real HTTP server: each answers a catalogued
// application/problem+json with the request's id, never a stack or an internal message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { formatApiKey, parseApiKey } from '../../src/auth/key-format.ts';
import { call, PASSWORD, signUp, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let key: string;
const convert = () => `${server.url}/v1/conversions`;
const valid = { from: 'json', to: 'csv', input: '[{"a":1}]' };

function assertProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  assert.equal(res.body.type, `https://transmute.dev/errors/${code}`);
  assert.equal(typeof res.body.title, 'string');
  assert.equal(res.body.request_id, res.headers.get('x-request-id'));
  assert.doesNotMatch(JSON.stringify(res.body), /at .*\.ts:\d+|node_modules|stack/i);
}

before(async () => {
  server = await startTestServer();
  key = (await server.newKey()).secret;
});
after(() => server.stop());

describe('request shape', () => {
  it('a client that closes before its Content-Length is a 4xx in the metrics, never a 500', async () => {
    const metricsBefore = await (await fetch(`${server.url.replace(/\/v1$/, '')}/metrics`)).text();
    const failures = (text: string, route: string, status: string) =>
      Number(new RegExp(`^http_request_duration_seconds_count\\{[^}]*route="${route}"[^}]*status_code="${status}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const { host, port } = new URL(server.url);
    for (const [path, route, auth] of [['/v1/auth/login', 'logIn', ''], ['/v1/jobs', 'createJob', `X-API-Key: ${key}\r\n`]] as const) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), host.split(':')[0]!, () => {
          socket.write(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n${auth}Content-Length: 100\r\n\r\n{"email": "a@`);
          setTimeout(() => socket.destroy(), 100);
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
      // The server notices the close, then answers into the void: give it a moment to record it.
      let after = '';
      for (let waited = 0; waited < 2_000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
        after = await (await fetch(`${server.url.replace(/\/v1$/, '')}/metrics`)).text();
        if (failures(after, route, '400') > failures(metricsBefore, route, '400')) break;
      }
      assert.equal(failures(after, route, '500'), failures(metricsBefore, route, '500'), `${route}: no 500 recorded`);
      assert.equal(failures(after, route, '400'), failures(metricsBefore, route, '400') + 1, `${route}: recorded as the client's 400`);
    }
  });

  it('answers malformed JSON with E1002 and where parsing stopped', async () => {
    const res = await call(convert(), { key, raw: '{"from": "json",\n "to": }', headers: { 'Content-Type': 'application/json' } });
    assertProblem(res, 400, 'E1002');
    assert.deepEqual({ line: res.body.errors[0].line, column: res.body.errors[0].column }, { line: 2, column: 8 });
  });

  it('answers an Accept header that refuses every type the operation answers with 406 E1007, before authentication', async () => {
    const formats = `${server.url}/v1/formats`;
    for (const accept of ['text/html', 'application/json;q=0, */*', 'text/*, image/png']) {
      const res = await call(formats, { headers: { Accept: accept } });
      assertProblem(res, 406, 'E1007');
      assert.match(res.body.detail, /application\/json/, 'it names what the operation answers with');
    }
    for (const accept of ['text/html, application/*;q=0.5', 'application/json; charset=utf-8', 'APPLICATION/JSON', '*/*;q=0.1', 'garbage']) {
      assert.equal((await call(formats, { key, headers: { Accept: accept } })).status, 200, accept);
    }
    // A client of JSON reads the +json types too: application/health+json here.
    assert.equal((await call(`${server.url}/health`, { headers: { Accept: 'application/json' } })).status, 200);
    // A job's result may be any format the job converts to: each of them is acceptable.
    const job = await call(`${server.url}/v1/jobs/job_00000000000000000000000000/result`, { key, headers: { Accept: 'text/csv' } });
    assert.notEqual(job.status, 406);
  });

  it('answers a wrong content type with 415 E1003', async () => {
    const res = await call(convert(), { key, raw: 'from=json', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assertProblem(res, 415, 'E1003');
  });

  it('takes JSON whatever the case and parameters of its Content-Type, and nothing that only resembles it', async () => {
    const raw = JSON.stringify(valid);
    for (const type of ['application/json', 'Application/JSON ; charset=UTF-8', 'application/json;charset=utf-8']) {
      assert.equal((await call(convert(), { key, raw, headers: { 'Content-Type': type } })).status, 200, type);
    }
    for (const type of ['application/jsonx', 'application/problem+json', 'text/json', 'application/json-seq', '']) {
      assertProblem(await call(convert(), { key, raw, headers: { 'Content-Type': type } }), 415, 'E1003');
    }
  });

  // Found by make fuzz: the OIDC callback's query values, each within the spec's limits, can add
  // up to more than Node reads, which answered 431 with no body before Koa saw the request.
  it('answers a request line past the 16 KiB header limit with 431 E1014 and closes the connection', async () => {
    // node:http rather than fetch: undici drops an answer that arrives before it finished sending.
    // One kept-alive connection: the oversized request follows an answered one on the same socket.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; headers: Headers; text: string; body: any }>((resolve, reject) => {
        const req = httpRequest(`${server.url}${path}`, { agent }, (r) => {
          let text = '';
          r.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          r.on('end', () => resolve({ status: r.statusCode!, headers: new Headers(r.headers as Record<string, string>), text, body: /json/.test(r.headers['content-type'] ?? '') ? JSON.parse(text) : text }));
        });
        req.on('error', reject).end();
      });
    try {
      assert.equal((await get('/health')).status, 200);
      const res = await get(`/v1/auth/oidc/test/callback?state=${'%C3%94'.repeat(3000)}`);
      assertProblem(res, 431, 'E1014');
      assert.equal(res.headers.get('connection'), 'close');
      assert.match(res.body.detail, /16384 bytes/);
      // The server still answers the next request.
      assert.equal((await get('/health')).status, 200);
    } finally {
      agent.destroy();
    }
  });

  it('answers a request that is not valid HTTP with a 400 E1016 problem, not a bare status', async () => {
    const { host, port } = new URL(server.url);
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        let answer = '';
        const socket = connect(Number(port), host.split(':')[0]!, () => socket.write(request));
        socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
        socket.on('error', () => {});
        socket.on('close', () => resolve(answer));
      });
    const malformed = [
      'GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
      'POST /v1/conversions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
      'POST /v1/conversions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    ];
    for (const request of malformed) {
      const answer = await raw(request);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/, request);
      assert.match(head, /\r\nContent-Type: application\/problem\+json\r\n/i);
      const requestId = /\r\nX-Request-Id: (\S+)/i.exec(head)?.[1];
      const problem = JSON.parse(body);
      assert.equal(problem.code, 'E1016');
      assert.equal(problem.status, 400);
      assert.equal(problem.request_id, requestId);
    }
  });

  it('answers a body over the operation limit with 413 E1004, by Content-Length', async () => {
    const res = await call(convert(), { key, body: { ...valid, input: 'x'.repeat(1_048_577) } });
    assertProblem(res, 413, 'E1004');
  });

  it('answers a chunked body over the limit with 413 E1004 while reading', async () => {
    const res = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(convert(), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': key, 'Transfer-Encoding': 'chunked' } }, (r) => {
        let text = '';
        r.on('data', (c) => (text += c));
        r.on('end', () => resolve({ status: r.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      const chunk = 'x'.repeat(64 * 1024);
      req.write(`{"from":"json","to":"csv","input":"`);
      let sent = 0;
      const pump = () => {
        while (sent < 20 && req.write(chunk)) sent++;
        if (sent < 20) req.once('drain', () => { sent++; pump(); });
        else req.end('"}');
      };
      pump();
    });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'E1004');
  });

  it('answers an unknown field with 400 E1001 naming it', async () => {
    const res = await call(convert(), { key, body: { ...valid, colour: 'blue' } });
    assertProblem(res, 400, 'E1001');
    assert.deepEqual(res.body.errors, [{ path: '/colour', message: 'is not a known field' }]);
  });

  it('answers a wrong type and a bad enum with 400 E1001 listing each', async () => {
    const res = await call(convert(), { key, body: { from: 'json', to: 'pdf', input: 42 } });
    assertProblem(res, 400, 'E1001');
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ['/input', '/to']);
  });

  it('answers a missing body with 400 E1001', async () => {
    const res = await call(convert(), { key, method: 'POST' });
    assertProblem(res, 400, 'E1001');
  });

  it('answers a NUL character in a stored name or description with 400 E1001 naming it, not a 500', async () => {
    // PostgreSQL text cannot hold one: past validation it failed the insert.
    const nul = 'Ada\u0000';
    const { access } = await signUp(server.url, 'nul@example.com');
    const endpoints = `${server.url}/v1/webhook-endpoints`;
    const requests: [string, Parameters<typeof call>[1], string][] = [
      [`${server.url}/v1/auth/signup`, { body: { email: 'nul-signup@example.com', password: PASSWORD, name: nul } }, '/name'],
      [`${server.url}/v1/me`, { method: 'PATCH', token: access, body: { name: nul } }, '/name'],
      [`${server.url}/v1/api-keys`, { token: access, body: { name: nul, scopes: ['jobs:read'] } }, '/name'],
      [endpoints, { key, body: { url: 'https://hooks.example.com/transmute', events: ['job.succeeded'], description: nul } }, '/description'],
      [`${endpoints}/whep_000000000000000000000000`, { method: 'PATCH', key, body: { description: nul } }, '/description'],
    ];
    for (const [url, init, path] of requests) {
      const res = await call(url, init);
      assertProblem(res, 400, 'E1001');
      assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path), [path], url);
    }
  });
});

describe('authentication', () => {
  it('answers a missing key with 401 E1101 and a challenge', async () => {
    const res = await call(convert(), { body: valid });
    assertProblem(res, 401, 'E1101');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  it('answers a malformed key and an unknown key alike, with 401 E1102', async () => {
    assertProblem(await call(convert(), { key: 'not-a-key', body: valid }), 401, 'E1102');
    const forged = formatApiKey(parseApiKey(key)!.lookupId, 'A'.repeat(43));
    assertProblem(await call(convert(), { key: forged, body: valid }), 401, 'E1102');
  });

  it('accepts the key as a bearer token too', async () => {
    const res = await call(convert(), { body: valid, headers: { Authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
  });

  it('answers a key without the scope with 403 E1105', async () => {
    const { secret } = await server.newKey({ scopes: ['jobs:read'] });
    const res = await call(convert(), { key: secret, body: valid });
    assertProblem(res, 403, 'E1105');
    assert.match(res.body.detail, /conversions:write/);
  });

  it('answers a revoked key with 401 E1104 at once', async () => {
    const fresh = await server.newKey();
    assert.equal((await call(convert(), { key: fresh.secret, body: valid })).status, 200);
    assert.equal(await server.running.keys.revoke(fresh.id, fresh.accountId), true);
    assertProblem(await call(convert(), { key: fresh.secret, body: valid }), 401, 'E1104');
  });

  it('answers an expired key with 401 E1103', async () => {
    const expiring = await server.newKey({ expiresAt: new Date(Date.now() + 300) });
    assert.equal((await call(convert(), { key: expiring.secret, body: valid })).status, 200);
    await new Promise((r) => setTimeout(r, 400));
    assertProblem(await call(convert(), { key: expiring.secret, body: valid }), 401, 'E1103');
  });
});

describe('routing', () => {
  it('answers an unknown path with 404 E1005', async () => {
    assertProblem(await call(`${server.url}/v1/nothing-here`, { key }), 404, 'E1005');
  });

  it('answers a known path with the wrong method with 405 E1006 and Allow', async () => {
    const res = await call(convert(), { key, method: 'DELETE' });
    assertProblem(res, 405, 'E1006');
    assert.equal(res.headers.get('allow'), 'POST');
  });
});
