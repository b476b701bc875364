// The server starts only when its handlers are exactly the spec's operations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertHandlersMatchSpec, RouteTableError } from '../../src/http/router.ts';
import { RouteTable } from '../../src/http/route-table.ts';
import { routes } from '../../src/generated/routes.ts';

const complete = Object.fromEntries(routes.map((r) => [r.operationId, () => undefined]));

it('accepts one handler per operation', () => {
  assert.doesNotThrow(() => assertHandlersMatchSpec(complete));
});

it('refuses an operation without a handler, naming it', () => {
  const { createConversion: _, ...rest } = complete;
  assert.throws(() => assertHandlersMatchSpec(rest), (e: Error) => e instanceof RouteTableError && /operation without a handler: createConversion/.test(e.message));
});

it('refuses a handler the spec does not have, naming it', () => {
  assert.throws(() => assertHandlersMatchSpec({ ...complete, deleteEverything: () => undefined }), /handler without an operation in the spec: deleteEverything/);
});

describe('route table', () => {
  const table = new RouteTable<string>();
  for (const route of routes) table.add(route.method, route.path, route.operationId);

  it('finds every operation of the spec at its own path, with its parameters', () => {
    for (const route of routes) {
      const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => `${name}_1`);
      const match = table.find(route.method, path);
      assert.ok(match?.found, `${route.method} ${path}`);
      assert.equal(match.value, route.operationId);
      for (const name of route.path.matchAll(/\{([^}]+)\}/g)) assert.equal(match.params[name[1]!], `${name[1]}_1`);
    }
  });

  it('prefers a fixed path to a template that also matches it', () => {
    const t = new RouteTable<string>();
    t.add('GET', '/v1/me/{id}', 'template');
    t.add('GET', '/v1/me/consents', 'fixed');
    assert.deepEqual(t.find('GET', '/v1/me/consents'), { found: true, value: 'fixed', params: {} });
    assert.deepEqual(t.find('GET', '/v1/me/other'), { found: true, value: 'template', params: { id: 'other' } });
  });

  it('decodes parameters, and leaves a malformed escape as sent for the schema to refuse', () => {
    assert.equal((table.find('GET', '/v1/jobs/job%5F1') as { params: Record<string, string> }).params.id, 'job_1');
    assert.equal((table.find('GET', '/v1/jobs/job%E0%A4%A') as { params: Record<string, string> }).params.id, 'job%E0%A4%A');
  });

  it('matches paths exactly: case, trailing slash and extra segments count', () => {
    assert.equal(table.find('GET', '/v1/formats/'), undefined);
    assert.equal(table.find('GET', '/V1/formats'), undefined);
    assert.equal(table.find('GET', '/v1/jobs/job_1/result/more'), undefined);
    assert.equal(table.find('GET', '/v1/jobs/'), undefined);
  });

  it('answers HEAD with the GET operation and lists HEAD beside GET in Allow', () => {
    assert.deepEqual(table.find('HEAD', '/v1/formats'), { found: true, value: 'listFormats', params: {} });
    assert.deepEqual(table.find('DELETE', '/v1/formats'), { found: false, allowed: 'GET, HEAD' });
    assert.deepEqual(table.find('PUT', '/v1/conversions'), { found: false, allowed: 'POST' });
  });

  it('refuses the same method and path twice', () => {
    assert.throws(() => table.add('GET', '/v1/formats', 'again'), /GET \/v1\/formats is routed twice/);
  });
});
