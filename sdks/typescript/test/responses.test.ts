// How answers reach the caller (SDK.md "Responses"): what a newer server adds is kept, a redirect
// the spec documents is the answer, and a document the spec types as a string stays text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIStatusError, Transmute } from '../src/index.ts';
import { fakeFetch, json } from './support/fake-fetch.ts';

const client = (fetch: typeof globalThis.fetch) => new Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test', fetch, maxRetries: 0 });

describe('responses', () => {
  it('keep unknown fields and enum values, in one object and in a page', async () => {
    const job = { id: 'job_1', status: 'paused_for_review', progress: 0.5, priority: { level: 'high' } };
    const { fetch } = fakeFetch([json(200, job), json(200, { data: [job], next_cursor: null, total: 1 })]);
    const sdk = client(fetch);
    assert.deepEqual(await sdk.jobs.retrieve('job_1'), job);
    const page = await sdk.jobs.list();
    assert.deepEqual(page.data, [job]);
    assert.equal(page.body.total, 1);
  });

  it('never follow a redirect: the one the spec documents is the answer, any other an error', async () => {
    const location = 'https://idp.example/authorize?state=s';
    const { fetch, sent } = fakeFetch([
      new Response(null, { status: 302, headers: { location, 'set-cookie': 'transmute_oidc=sealed; HttpOnly' } }),
      new Response(null, { status: 301, headers: { location: 'https://elsewhere.example/v1/formats' } }),
    ]);
    const sdk = client(fetch);
    const { data, response } = await sdk.auth.startOidcSignIn('google').withResponse();
    assert.equal(data, undefined);
    assert.equal(response.headers.get('location'), location);
    assert.deepEqual(response.headers.getSetCookie(), ['transmute_oidc=sealed; HttpOnly']);
    await assert.rejects(sdk.formats.list(), (error: unknown) => error instanceof APIStatusError && error.status === 301);
    assert.deepEqual(sent.map((r) => r.redirect), ['manual', 'manual']);
  });

  it('return a document the spec types as a string as text, whatever its media type', async () => {
    const document = '[{"name":"Ada"}]';
    const { fetch } = fakeFetch([new Response(document, { headers: { 'content-type': 'application/json' } })]);
    assert.equal(await client(fetch).jobs.getResult('job_1'), document);
  });
});
