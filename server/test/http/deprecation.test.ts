// A deprecated operation over HTTP: the real server built from a copy of the generated route table
// with two operations deprecated as x-sunset and x-deprecation would make them (no operation of the
// spec is deprecated yet), one before its sunset and one after.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routes, type RouteDefinition } from '../../src/generated/routes.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';

/** An RFC 3339 date `days` from today (UTC). */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const LINK = 'https://transmute.dev/docs/migrations/formats-v2';
const DEPRECATIONS: Record<string, RouteDefinition['deprecation']> = {
  listFormats: { since: day(-30), sunset: day(30), link: LINK },
  createConversion: { since: day(-60), sunset: day(-1), link: null },
};
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} 00:00:00 GMT$/;

let server: TestServer;
let key: string;

before(async () => {
  const table = routes.map((route): RouteDefinition => (route.operationId in DEPRECATIONS ? { ...route, deprecation: DEPRECATIONS[route.operationId]! } : route));
  server = await startTestServer({}, { routes: table });
  key = (await server.newKey()).secret;
});
after(() => server.stop());

/** The headers RFC 9745 and RFC 8594 ask for, checked against the dates they come from. */
function assertDeprecated(headers: Headers, deprecation: NonNullable<RouteDefinition['deprecation']>): void {
  assert.equal(headers.get('deprecation'), `@${Date.parse(`${deprecation.since}T00:00:00Z`) / 1000}`);
  const sunsetHeader = headers.get('sunset')!;
  assert.match(sunsetHeader, IMF_FIXDATE);
  assert.equal(new Date(sunsetHeader).toISOString().slice(0, 10), deprecation.sunset);
  assert.equal(headers.get('link'), deprecation.link === null ? null : `<${deprecation.link}>; rel="deprecation"`);
}

describe('before its sunset', () => {
  it('answers with Deprecation, Sunset and the migration Link', async () => {
    const res = await call(`${server.url}/v1/formats`, { key });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body.data));
    assertDeprecated(res.headers, DEPRECATIONS.listFormats!);
  });

  it('marks a refusal too', async () => {
    const res = await call(`${server.url}/v1/formats`);
    assert.equal(res.status, 401);
    assertDeprecated(res.headers, DEPRECATIONS.listFormats!);
  });

  it('marks no operation that is not deprecated', async () => {
    const res = await call(`${server.url}/v1/jobs`, { key });
    assert.equal(res.status, 200);
    for (const name of ['deprecation', 'sunset', 'link']) assert.equal(res.headers.get(name), null, name);
  });
});

describe('after its sunset', () => {
  it('answers 410 E1013 with the deprecation headers', async () => {
    const res = await call(`${server.url}/v1/conversions`, { key, body: { from: 'json', to: 'csv', input: '[{"a":1}]' } });
    assert.equal(res.status, 410);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.body.code, 'E1013');
    assert.equal(res.body.detail, `POST /v1/conversions stopped working on ${DEPRECATIONS.createConversion!.sunset}.`);
    assertDeprecated(res.headers, DEPRECATIONS.createConversion!);
  });

  it('answers 410 before asking for credentials', async () => {
    const res = await call(`${server.url}/v1/conversions`, { body: {} });
    assert.equal(res.status, 410);
    assert.equal(res.body.code, 'E1013');
  });
});
