// Deprecation as the pipeline reads it, on a copy of the spec with listFormats and listJobs (a
// paged list) deprecated the way README's "Deprecating an operation" says (no operation of the
// spec is deprecated yet): the lint rule, the route table entry, and each SDK's marker on the
// method. scripts/test/spec-breaking.test.ts shows the gate (oasdiff) reading the same x-sunset.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { deprecationOf, loadSpec, operationsOf, ROOT } from '../lib/spec.ts';
import { routeOf } from '../generate/routes.ts';
import { generateTypeScriptSdk } from '../generate/sdk-typescript.ts';
import { generatePythonSdk } from '../generate/sdk-python.ts';
import { generateGoSdk } from '../generate/sdk-go.ts';
import { deprecate } from './support/deprecation.ts';

type Json = Record<string, any>;

const run = promisify(execFile);
const SPECTRAL = join(ROOT, 'node_modules', '.bin', 'spectral');
const RULESET = join(ROOT, 'openapi', 'spectral.mjs');
const PYTHON = join(ROOT, '.tools', 'venv-sdk', 'bin', 'python');
const DEPRECATION = { since: '2026-12-01', sunset: '2027-06-30', link: 'https://transmute.dev/docs/migrations/formats-v2' };
const NOTE = 'Since 2026-12-01; from 2027-06-30 the API answers 410 Gone. Migration: https://transmute.dev/docs/migrations/formats-v2';

function fixture(): Json {
  const spec = loadSpec();
  deprecate(spec.paths['/v1/formats'].get, DEPRECATION);
  deprecate(spec.paths['/v1/jobs'].get, DEPRECATION);
  return spec;
}

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'transmute-deprecation-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Spectral's errors on `spec`, written as openapi.yaml so the ruleset's overrides apply. */
async function lintErrors(spec: Json, name: string): Promise<Array<{ code: string; message: string; path: string[] }>> {
  const file = join(work, name, 'openapi.yaml');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stringify(spec));
  const result = await run(SPECTRAL, ['lint', file, '--ruleset', RULESET, '--format', 'json', '--quiet', '--fail-severity', 'error'], { maxBuffer: 64 << 20 }).catch(
    (error: { stdout: string }) => error,
  );
  return JSON.parse(result.stdout || '[]').filter((r: { severity: number }) => r.severity === 0);
}

describe('the lint rule transmute-sunset', () => {
  it('passes an operation deprecated with x-sunset, x-deprecation, its 410 and its headers', async () => {
    assert.deepEqual(await lintErrors(fixture(), 'good'), []);
  });

  it('refuses deprecated without the extensions, x-sunset that oasdiff cannot read, a date that is no day, dates out of order, a bare link, and the extensions without deprecated', async () => {
    const spec = fixture();
    spec.paths['/v1/conversions'].post.deprecated = true;
    // The object x-sunset once was: oasdiff refuses it (api-deprecated-sunset-parse).
    deprecate(spec.paths['/v1/jobs/{id}/events'].get, { sunset: { date: '2027-06-30' }, since: '2026-12-01' });
    deprecate(spec.paths['/v1/jobs/{id}'].get, { sunset: '2027-02-30', since: '2026-12-01' });
    deprecate(spec.paths['/v1/jobs/{id}/cancel'].post, { sunset: '2027-06-30', since: '2027-07-01' });
    deprecate(spec.paths['/v1/jobs/{id}/result'].get, { ...DEPRECATION, link: 'http://transmute.dev/migrate' });
    spec.paths['/v1/api-keys'].get['x-sunset'] = DEPRECATION.sunset;
    spec.paths['/v1/api-keys'].post['x-deprecation'] = { since: DEPRECATION.since };
    const formats = spec.paths['/v1/formats'].get;
    delete formats.responses['200'].headers.Link;
    const byPath = new Map<string, string[]>();
    for (const error of (await lintErrors(spec, 'bad')).filter((e) => e.code === 'transmute-sunset')) {
      const at = `${error.path[2]} ${error.path[1]}`;
      byPath.set(at, [...(byPath.get(at) ?? []), error.message]);
    }
    const expected: Record<string, RegExp> = {
      'post /v1/conversions': /needs x-sunset[\s\S]*needs x-deprecation/,
      'get /v1/jobs/{id}/events': /x-sunset must be an RFC 3339 date string/,
      'get /v1/jobs/{id}': /x-sunset must be an RFC 3339 date string .*"2027-02-30"/,
      'post /v1/jobs/{id}/cancel': /x-deprecation.since must come before x-sunset/,
      'get /v1/jobs/{id}/result': /x-deprecation.link must be an https URL/,
      'get /v1/api-keys': /x-sunset on an operation that is not deprecated/,
      'post /v1/api-keys': /x-deprecation on an operation that is not deprecated/,
      'get /v1/formats': /200 response .* must declare Link/,
    };
    assert.deepEqual([...byPath.keys()].sort(), Object.keys(expected).sort());
    for (const [at, pattern] of Object.entries(expected)) assert.match(byPath.get(at)!.join('\n'), pattern, at);
  });
});

describe('the route table', () => {
  it('carries x-sunset and x-deprecation on the deprecated operations and null on the others', () => {
    const spec = fixture();
    const deprecations = Object.fromEntries(operationsOf(spec).map((operation) => [operation.operationId, routeOf(spec, operation).deprecation]));
    assert.deepEqual(deprecations.listFormats, DEPRECATION);
    assert.deepEqual(
      Object.entries(deprecations).filter(([, deprecation]) => deprecation !== null).map(([id]) => id),
      ['listFormats', 'listJobs'],
    );
  });

  it('refuses deprecated without x-sunset or x-deprecation, and either without deprecated', () => {
    const { since, sunset } = DEPRECATION;
    assert.throws(() => deprecationOf({ operationId: 'x', deprecated: true, 'x-deprecation': { since } }), /needs x-sunset/);
    assert.throws(() => deprecationOf({ operationId: 'x', deprecated: true, 'x-sunset': { since, date: sunset } }), /needs x-sunset, a date string/);
    assert.throws(() => deprecationOf({ operationId: 'x', deprecated: true, 'x-sunset': sunset }), /needs x-deprecation/);
    assert.throws(() => deprecationOf({ operationId: 'x', 'x-sunset': sunset }), /not deprecated/);
    assert.throws(() => deprecationOf({ operationId: 'x', 'x-deprecation': { since } }), /not deprecated/);
    assert.deepEqual(deprecationOf({ deprecated: true, 'x-sunset': sunset, 'x-deprecation': { since } }), { ...DEPRECATION, link: null });
  });
});

describe('the SDKs mark the method', () => {
  it('TypeScript: @deprecated in its JSDoc, on those methods only', async () => {
    const files = await generateTypeScriptSdk(fixture());
    for (const tag of ['formats', 'jobs']) {
      const resource = files.find((f) => f.path === `resources/${tag}.ts`)!.content;
      assert.ok(resource.includes(`   * @deprecated ${NOTE}\n   */\n  list(`), resource);
      assert.equal(resource.split('@deprecated').length, 2, tag);
    }
    assert.deepEqual(
      files.filter((f) => f.content.includes('@deprecated') && f.path.startsWith('resources/')).map((f) => f.path),
      ['resources/formats.ts', 'resources/jobs.ts'],
    );
  });

  it('Go: a Deprecated: paragraph in its doc comment, and on its auto-pager', () => {
    const files = generateGoSdk(fixture());
    const formats = files.find((f) => f.path === 'formats.go')!.content;
    assert.ok(formats.includes(`//\n// Deprecated: ${NOTE}\nfunc (s *FormatsService) List(`), formats);
    const jobs = files.find((f) => f.path === 'jobs.go')!.content;
    assert.ok(jobs.includes(`//\n// Deprecated: ${NOTE}\nfunc (s *JobsService) List(`), jobs);
    assert.ok(jobs.includes(`//\n// Deprecated: ${NOTE}\nfunc (s *JobsService) ListAutoPaging(`), jobs);
    assert.equal(jobs.split('Deprecated:').length, 3);
  });

  it('Python: says so in its docstring and warns the caller with a DeprecationWarning, sync and async', async () => {
    const files = generatePythonSdk(fixture());
    const formats = files.find((f) => f.path === 'resources/formats.py')!.content;
    assert.ok(formats.includes(`\n\n        Deprecated: ${NOTE}\n        """\n`), formats);
    assert.deepEqual(files.filter((f) => f.content.includes('import warnings')).map((f) => f.path), ['resources/formats.py', 'resources/jobs.py']);

    // The generated package, run: the warning must be raised, and point at the caller's line.
    const src = join(work, 'python');
    cpSync(join(ROOT, 'sdks', 'python', 'src'), src, { recursive: true });
    for (const file of files) writeFileSync(join(src, 'transmute', file.path), file.content);
    const caller = join(work, 'caller.py');
    writeFileSync(
      caller,
      [
        'import asyncio, json, warnings',
        'from transmute import AsyncTransmute, Transmute',
        'options = dict(api_key="key", base_url="http://127.0.0.1:9", max_retries=0)',
        'def attempt(call):',
        '    try:',
        '        call()',
        '    except Exception:',
        '        pass  # nothing listens at the base URL: only the warning matters',
        'async def awaited():',
        '    AsyncTransmute(**options).jobs.list()',
        '    for call in (AsyncTransmute(**options).me.get_account, AsyncTransmute(**options).formats.list):',
        '        try:',
        '            await call()',
        '        except Exception:',
        '            pass',
        'with warnings.catch_warnings(record=True) as caught:',
        '    warnings.simplefilter("always")',
        '    attempt(lambda: Transmute(**options).formats.list())',
        '    attempt(lambda: Transmute(**options).me.get_account())',
        '    attempt(lambda: Transmute(**options).jobs.list())',
        '    attempt(lambda: asyncio.run(awaited()))',
        'print(json.dumps([[w.category.__name__, str(w.message), w.filename] for w in caught]))',
      ].join('\n'),
    );
    const { stdout } = await run(PYTHON, [caller], { env: { ...process.env, PYTHONPATH: src } });
    const warning = (operationId: string) => ['DeprecationWarning', `${operationId} is deprecated. ${NOTE}`, caller];
    assert.deepEqual(JSON.parse(stdout), [warning('listFormats'), warning('listJobs'), warning('listJobs'), warning('listFormats')]);
  });
});
