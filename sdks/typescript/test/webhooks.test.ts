// Standard Webhooks signatures from the shared vectors: each must verify or fail as stated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Transmute, WebhookVerificationError } from '../src/index.ts';
import { readVectors } from './support/fake-fetch.ts';

interface WebhookVector {
  name: string;
  secrets: string[];
  payload: string;
  headers: Record<string, string>;
  now: number;
  valid: boolean;
}
const { vectors } = readVectors<{ vectors: WebhookVector[] }>('webhooks.json');
const client = new Transmute({ apiKey: 'tk', baseURL: 'http://sdk.test' });

describe('webhook vectors (sdks/conformance/webhooks.json)', () => {
  for (const v of vectors) {
    it(`${v.valid ? 'accepts' : 'refuses'}: ${v.name}`, async () => {
      const secrets = v.secrets.length === 1 ? v.secrets[0]! : v.secrets;
      const result = client.webhooks.verify(v.payload, v.headers, secrets, { now: v.now });
      if (v.valid) assert.deepEqual(await result, JSON.parse(v.payload));
      else await assert.rejects(result, WebhookVerificationError);
    });
  }

  it('unwrap reads a Headers object too', async () => {
    const v = vectors.find((x) => x.valid)!;
    const event = await client.webhooks.unwrap(v.payload, new Headers(v.headers), v.secrets, { now: v.now });
    assert.equal(event.type, 'job.completed');
  });
});
