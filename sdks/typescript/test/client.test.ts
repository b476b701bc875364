// Client options, environment, headers and paths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Transmute, TransmuteError, VERSION } from '../src/index.ts';
import { redactHeaders } from '../src/internal/log.ts';
import { withEnv } from './support/env.ts';
import { fakeFetch, json, readVectors } from './support/fake-fetch.ts';

const logging = readVectors<{ replacement: string; headers: Record<string, string>; redacted: string[] }>('logging.json');

describe('client', () => {
  it('fails at the first call without a key, naming the option and the variable', () =>
    withEnv({ TRANSMUTE_API_KEY: undefined }, async () => {
      const { fetch, sent } = fakeFetch([]);
      const client = new Transmute({ baseURL: 'http://sdk.test', fetch });
      await assert.rejects(client.formats.list(), (e: unknown) => e instanceof TransmuteError && /apiKey/.test(e.message) && /TRANSMUTE_API_KEY/.test(e.message));
      assert.equal(sent.length, 0);
    }));

  it('needs no key for an operation without security', () =>
    withEnv({ TRANSMUTE_API_KEY: undefined }, async () => {
      const { fetch, sent } = fakeFetch([json(200, { status: 'pass' })]);
      await new Transmute({ baseURL: 'http://sdk.test', fetch }).operations.getHealth();
      assert.equal(sent[0]?.headers.get('authorization'), null);
    }));

  it('reads the key and base URL from the environment; options win', () =>
    withEnv({ TRANSMUTE_API_KEY: 'tk_env', TRANSMUTE_BASE_URL: 'http://env.test/' }, async () => {
      const { fetch, sent } = fakeFetch([json(200, { data: [] }), json(200, { data: [] })]);
      await new Transmute({ fetch }).formats.list();
      await new Transmute({ fetch, apiKey: 'tk_opt', baseURL: 'http://opt.test' }).formats.list();
      assert.equal(sent[0]?.url.href, 'http://env.test/v1/formats');
      assert.equal(sent[0]?.headers.get('authorization'), 'Bearer tk_env');
      assert.equal(sent[1]?.url.href, 'http://opt.test/v1/formats');
      assert.equal(sent[1]?.headers.get('authorization'), 'Bearer tk_opt');
    }));

  it('names the SDK, its version and the runtime in User-Agent, and sends default headers', async () => {
    const { fetch, sent } = fakeFetch([json(200, { data: [] })]);
    await new Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test', fetch, defaultHeaders: { 'X-Team': 'a' } }).formats.list();
    assert.equal(sent[0]?.headers.get('user-agent'), `transmute-typescript/${VERSION} (node/${process.versions.node}; ${process.platform})`);
    assert.equal(sent[0]?.headers.get('x-team'), 'a');
  });

  it('encodes path parameters and refuses empty or dot segments before sending', async () => {
    const { fetch, sent } = fakeFetch([json(200, { id: 'a/b' })]);
    const client = new Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test', fetch });
    await client.jobs.retrieve('a/b?c');
    assert.equal(sent[0]?.url.pathname, '/v1/jobs/a%2Fb%3Fc');
    for (const bad of ['', '.', '..']) await assert.rejects(client.jobs.retrieve(bad), TransmuteError);
    assert.equal(sent.length, 1);
  });

  it('gives the raw response and request id with withResponse(), and the body when awaited', async () => {
    const { fetch } = fakeFetch([json(200, { data: [], extra_field: 1 }, { 'x-request-id': 'req_1' })]);
    const { data, response, request_id } = await new Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test', fetch }).formats.list().withResponse();
    assert.equal(request_id, 'req_1');
    assert.equal(response.status, 200);
    assert.deepEqual(data, { data: [], extra_field: 1 }, 'unknown fields are kept');
  });

  it('logs at debug level with credentials redacted', async () => {
    const lines: string[] = [];
    const logger = { info: (m: string, f?: object) => lines.push(m + JSON.stringify(f)), debug: (m: string, f?: object) => lines.push(m + JSON.stringify(f)) };
    const { fetch } = fakeFetch([json(200, { data: [] })]);
    await new Transmute({ apiKey: 'tk_secret_value', baseURL: 'http://sdk.test', fetch, logLevel: 'debug', logger }).formats.list();
    assert.ok(lines.some((l) => l.includes('GET http://sdk.test/v1/formats')));
    assert.ok(lines.some((l) => l.includes('200')));
    assert.ok(!lines.join('\n').includes('tk_secret_value'));
  });

  it('redacts the headers of sdks/conformance/logging.json, on the wire and in redactHeaders', async () => {
    const lines: string[] = [];
    const logger = { info: (m: string, f?: object) => lines.push(m + JSON.stringify(f)), debug: (m: string, f?: object) => lines.push(m + JSON.stringify(f)) };
    const { fetch } = fakeFetch([json(200, { data: [] })]);
    await new Transmute({ apiKey: 'tk_test', baseURL: 'http://sdk.test', fetch, logLevel: 'debug', logger }).formats.list({ headers: logging.headers });
    const log = lines.join('\n');
    const expected: Record<string, string> = {};
    for (const [name, value] of Object.entries(logging.headers)) {
      const secret = logging.redacted.includes(name.toLowerCase());
      assert.equal(log.includes(value), !secret, `${name} ${secret ? 'leaked' : 'missing'}`);
      expected[name.toLowerCase()] = secret ? logging.replacement : value;
    }
    assert.deepEqual(redactHeaders(new Headers(logging.headers)), expected);
  });
});
