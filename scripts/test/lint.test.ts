// The lint rules hold: the spec passes them, and each house rule catches the mistake it is for.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { loadSpec, ROOT, SPEC_PATH } from '../lib/spec.ts';

const run = promisify(execFile);
const SPECTRAL = join(ROOT, 'node_modules', '.bin', 'spectral');
const RULESET = join(ROOT, 'openapi', 'spectral.mjs');

async function lint(file: string): Promise<Array<{ code: string; severity: number; path: string[] }>> {
  const result = await run(SPECTRAL, ['lint', file, '--ruleset', RULESET, '--format', 'json', '--quiet', '--fail-severity', 'error'], { maxBuffer: 64 << 20 }).catch(
    (error: { stdout: string }) => error,
  );
  return JSON.parse(result.stdout || '[]');
}

it('the spec has no lint errors', async () => {
  const errors = (await lint(SPEC_PATH)).filter((r) => r.severity === 0);
  assert.deepEqual(errors, []);
});

it('each house rule catches its mistake', async () => {
  const spec = loadSpec();
  const create = spec.paths['/v1/conversions'].post;
  spec.components.schemas.ConversionStats.properties.durationMs = { type: 'number', maximum: 1 };
  spec.paths['/v1/Bad_Path'] = spec.paths['/v1/formats'];
  create.operationId = 'Create_Conversion';
  create.tags = ['conversions', 'formats'];
  create.responses['422'] = { description: 'x', content: { 'application/json': { schema: { type: 'object', maxProperties: 1 }, examples: { a: { value: {} } } } } };
  delete create['x-body-limit'];
  delete create.requestBody.content['application/json'].examples;
  delete create.responses['200'].content['application/json'].examples;
  delete create.responses['200'].headers.RateLimit;
  delete spec.components.responses.NotFound.headers['Server-Timing'];
  create.security = [{ ApiKeyHeader: ['conversions:admin'] }];
  spec.paths['/v1/formats'].get['x-sla'] = { p95_ms: 'fast' };
  spec.paths['/v1/formats'].get['x-rate-limit'] = { policy: 'per-moon-phase' };
  delete spec['x-sla'];
  const file = join(mkdtempSync(join(tmpdir(), 'lint-')), 'openapi.yaml');
  writeFileSync(file, stringify(spec));

  const fired = new Set((await lint(file)).map((r) => r.code));
  for (const rule of [
    'transmute-snake-case-properties',
    'transmute-kebab-case-paths',
    'transmute-camel-case-operation-ids',
    'transmute-operation-tag',
    'transmute-problem-json-errors',
    'transmute-sla',
    'transmute-sla-present',
    'transmute-body-limit',
    'transmute-request-examples',
    'transmute-response-examples',
    'transmute-rate-limit-headers',
    'transmute-common-headers',
    'transmute-known-scopes',
    'transmute-rate-limit-extension',
  ]) {
    assert.ok(fired.has(rule), `${rule} did not fire`);
  }
});
