// Error bodies from the shared vectors become the class and fields the SDK contract names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as sdk from '../src/index.ts';
import { fakeFetch, readVectors } from './support/fake-fetch.ts';

interface ErrorVector {
  name: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  expect: { class: string; status: number; code: string | null; title: string | null; detail: string | null; request_id: string | null; errors: unknown[] };
}
const { hierarchy, vectors } = readVectors<{ hierarchy: Record<string, string | null>; vectors: ErrorVector[] }>('errors.json');
const classes = sdk as unknown as Record<string, new (...args: never[]) => Error>;

describe('error hierarchy', () => {
  for (const [name, parent] of Object.entries(hierarchy)) {
    it(`${name} extends ${parent ?? 'Error'}`, () => {
      const Class = classes[name];
      assert.ok(Class, `${name} is exported`);
      assert.ok(Class.prototype instanceof (parent ? classes[parent]! : Error));
    });
  }
});

describe('error vectors (sdks/conformance/errors.json)', () => {
  for (const v of vectors) {
    it(v.name, async () => {
      const text = typeof v.body === 'string' ? v.body : JSON.stringify(v.body);
      const { fetch } = fakeFetch([new Response(text, { status: v.status, headers: v.headers })]);
      const client = new sdk.Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test', fetch, maxRetries: 0 });
      const error = await client.jobs.retrieve('job_1').then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof sdk.APIStatusError);
      assert.equal(error.constructor.name, v.expect.class);
      assert.ok(error instanceof classes[v.expect.class]!);
      const { status, code, title, detail, request_id, errors } = error;
      assert.deepEqual({ status, code, title, detail, request_id, errors }, { status: v.expect.status, code: v.expect.code, title: v.expect.title, detail: v.expect.detail, request_id: v.expect.request_id, errors: v.expect.errors });
      assert.deepEqual(error.body, v.body);
      assert.equal(error.headers.get('x-request-id'), v.expect.request_id);
    });
  }
});
