// The operations tag: health, readiness, metrics, the spec and its reference page. No credentials.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/index.ts';
import { contract } from '../support/contract.ts';

export function operationsSuite(): void {
  describe('operations', () => {
    it('getHealth and getReadiness answer pass with the API version', async () => {
      const { anonymous } = contract();
      const health = await anonymous.operations.getHealth();
      assert.equal(health.status, 'pass');
      assert.equal(health.version, VERSION);
      const { data: ready, response } = await anonymous.operations.getReadiness().withResponse();
      assert.equal(ready.status, 'pass');
      assert.match(response.headers.get('content-type') ?? '', /^application\/health\+json/);
    });

    it('getMetrics is the Prometheus text, request histogram included', async () => {
      const metrics = await contract().anonymous.operations.getMetrics();
      assert.equal(typeof metrics, 'string');
      assert.match(metrics, /^http_request_duration_seconds_count\{.*route="getHealth".*\} \d+$/m);
    });

    it('getOpenApiDocument is the spec the SDK was generated from', async () => {
      const document = await contract().anonymous.operations.getOpenApiDocument();
      assert.equal(document.openapi, '3.1.0');
      assert.equal((document.info as { version?: unknown }).version, VERSION);
    });

    it('getApiReference is one HTML page', async () => {
      const { data: page, response } = await contract().anonymous.operations.getApiReference().withResponse();
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page, /^<!doctype html>/i);
    });
  });
}
