// Response compression through the real HTTP server, read as raw bytes (fetch would decode them
// out of sight): the coding the client prefers for a text body of 1 KiB or more, nothing for
// smaller bodies or event streams, and the same document once decoded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { call, startTestServer, type TestServer } from '../support/server.ts';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const DECODERS: Record<string, (bytes: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync };

function decoded(res: RawResponse): string {
  const coding = res.headers['content-encoding'];
  return (coding === undefined ? res.bytes : DECODERS[coding]!(res.bytes)).toString('utf8');
}

let server: TestServer;
let key: string;
const convert = () => `${server.url}/v1/conversions`;
// 200 rows of CSV: a JSON answer of several kilobytes.
const rows = Array.from({ length: 200 }, (_, i) => `name-${i},${i}`).join('\n');
const large = JSON.stringify({ from: 'csv', to: 'json', input: `name,n\n${rows}\n` });
const small = JSON.stringify({ from: 'csv', to: 'json', input: 'name,n\nAda,1\n' });

function conversion(body: string, acceptEncoding?: string): Promise<RawResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-API-Key': key };
  if (acceptEncoding !== undefined) headers['Accept-Encoding'] = acceptEncoding;
  return raw(convert(), { headers, body });
}

before(async () => {
  server = await startTestServer();
  key = (await server.newKey()).secret;
});
after(() => server.stop());

describe('response compression', () => {
  it('compresses a large answer with the coding the client prefers, to the same document', async () => {
    const plain = await conversion(large);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.bytes.length > 4096, `the plain answer is ${plain.bytes.length} bytes`);
    for (const [accept, coding] of [['br', 'br'], ['gzip', 'gzip'], ['gzip;q=0.5, br', 'br'], ['br;q=0, gzip', 'gzip'], ['deflate, gzip;q=0.1', 'gzip']] as const) {
      const res = await conversion(large, accept);
      assert.equal(res.status, 200, accept);
      assert.equal(res.headers['content-encoding'], coding, accept);
      assert.equal(res.headers['content-type'], plain.headers['content-type']);
      assert.match(res.headers.vary ?? '', /accept-encoding/i);
      assert.ok(res.bytes.length < plain.bytes.length / 3, `${accept}: ${res.bytes.length} of ${plain.bytes.length} bytes`);
      assert.equal(JSON.parse(decoded(res)).output, JSON.parse(plain.bytes.toString('utf8')).output, accept);
    }
  });

  it('sends a large answer as it is to a client that accepts no coding it has, and says the answer varies', async () => {
    for (const accept of [undefined, 'identity', 'deflate', 'br;q=0, gzip;q=0']) {
      const res = await conversion(large, accept);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], undefined, String(accept));
      assert.equal(Number(res.headers['content-length']), res.bytes.length);
      assert.match(res.headers.vary ?? '', /accept-encoding/i);
    }
  });

  it('leaves an answer under 1 KiB alone, with its length', async () => {
    const res = await conversion(small, 'br, gzip');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(Number(res.headers['content-length']), res.bytes.length);
    assert.doesNotMatch(res.headers.vary ?? '', /accept-encoding/i);
  });

  it('compresses the spec document', async () => {
    const res = await raw(`${server.url}/openapi.json`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(JSON.parse(decoded(res)).openapi, '3.1.0');
  });

  it('compresses the API reference page', async () => {
    const res = await raw(`${server.url}/docs`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'br');
    assert.match(decoded(res), /^<!DOCTYPE html>/);
  });

  it('counts the compressed bytes as the usage sent', async () => {
    const metered = await server.newKey();
    const res = await raw(`${server.url}/v1/formats`, { headers: { 'X-API-Key': metered.secret, 'Accept-Encoding': 'gzip' } });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.ok(res.bytes.length < decoded(res).length);
    await server.running.usage.flush();
    const now = Date.now();
    const range = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;
    const usage = await call(`${server.url}/v1/usage?${range}&granularity=day&operation=listFormats`, { key: metered.secret });
    assert.equal(usage.status, 200, usage.text);
    assert.deepEqual(usage.body.data.map((row: { requests: number; bytes_out: number }) => [row.requests, row.bytes_out]), [[1, res.bytes.length]]);
  });

  it('sends no body to HEAD, compressed or not', async () => {
    const res = await raw(`${server.url}/openapi.json`, { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.bytes.length, 0);
    assert.equal(res.headers['content-encoding'], undefined);
  });
});

describe('request bodies with a content coding', () => {
  it('answers 415 E1012 naming identity as the only coding it reads', async () => {
    for (const coding of ['gzip', 'br', 'GZIP', 'identity, gzip']) {
      const res = await raw(convert(), { headers: { 'Content-Type': 'application/json', 'Content-Encoding': coding, 'X-API-Key': key }, body: small });
      assert.equal(res.status, 415, coding);
      assert.equal(res.headers['content-type'], 'application/problem+json');
      assert.equal(res.headers['accept-encoding'], 'identity');
      assert.equal(JSON.parse(res.bytes.toString('utf8')).code, 'E1012');
    }
  });

  it('reads a body whose Content-Encoding says identity', async () => {
    const res = await raw(convert(), { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'identity', 'X-API-Key': key }, body: small });
    assert.equal(res.status, 200);
  });
});

describe('with RESPONSE_COMPRESSION=false', () => {
  let plainServer: TestServer;
  before(async () => {
    plainServer = await startTestServer({ RESPONSE_COMPRESSION: 'false' });
  });
  after(() => plainServer.stop());

  it('sends every answer as it is', async () => {
    const res = await raw(`${plainServer.url}/openapi.json`, { headers: { 'Accept-Encoding': 'br, gzip' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(res.bytes.toString('utf8')).openapi, '3.1.0');
  });
});
