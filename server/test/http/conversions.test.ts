// Conversions through the real server: the happy paths, per-item batch results, and 422s.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let key: string;
before(async () => {
  server = await startTestServer();
  key = (await server.newKey()).secret;
});
after(() => server.stop());

it('converts CSV to JSON with typed values', async () => {
  const res = await call(`${server.url}/v1/conversions`, { key, body: { from: 'csv', to: 'json', input: 'name,age\nAda,36\n', options: { infer_types: true } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(JSON.parse(res.body.output), [{ name: 'Ada', age: 36 }]);
  assert.equal(res.body.stats.records, 1);
  assert.equal(res.body.stats.input_bytes, 16);
});

it('answers unparsable input with 422 E1201 and its line and column', async () => {
  const res = await call(`${server.url}/v1/conversions`, { key, body: { from: 'json', to: 'csv', input: '[\n  {"a": 1},\n  {"a": }\n]' } });
  assert.equal(res.status, 422);
  assert.equal(res.body.code, 'E1201');
  assert.equal(res.body.errors[0].path, '/input');
  assert.equal(res.body.errors[0].line, 3);
});

it('answers input of the wrong shape for the target with 422 E1202', async () => {
  const res = await call(`${server.url}/v1/conversions`, { key, body: { from: 'json', to: 'csv', input: '42' } });
  assert.equal(res.status, 422);
  assert.equal(res.body.code, 'E1202');
});

it('converts a batch item by item, each with its result or problem', async () => {
  const res = await call(`${server.url}/v1/conversions/batch`, {
    key,
    body: { items: [{ from: 'json', to: 'yaml', input: '{"name":"Ada"}' }, { from: 'json', to: 'csv', input: '{"name":' }] },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.succeeded, 1);
  assert.equal(res.body.failed, 1);
  assert.equal(res.body.data[0].result.output, 'name: Ada\n');
  assert.equal(res.body.data[1].error.code, 'E1201');
  assert.equal(res.body.data[1].error.errors[0].path, '/items/1/input');
  assert.equal(res.body.data[1].error.request_id, res.headers.get('x-request-id'));
});

it('refuses a batch over 100 items with 400 E1001', async () => {
  const items = Array.from({ length: 101 }, () => ({ from: 'json', to: 'json', input: '1' }));
  const res = await call(`${server.url}/v1/conversions/batch`, { key, body: { items } });
  assert.equal(res.status, 400);
  assert.equal(res.body.errors[0].path, '/items');
});

it('lists the formats with their options and pairs', async () => {
  const res = await call(`${server.url}/v1/formats`, { key });
  assert.equal(res.status, 200);
  const ids = res.body.data.map((f: { id: string }) => f.id).sort();
  assert.deepEqual(ids, ['csv', 'json', 'ndjson', 'tsv', 'xml', 'yaml']);
  const csv = res.body.data.find((f: { id: string }) => f.id === 'csv');
  assert.ok(csv.input_options.includes('delimiter'));
  assert.equal(csv.media_type, 'text/csv');
});
