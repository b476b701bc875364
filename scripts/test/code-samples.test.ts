// The API reference shows no call an SDK lacks: every operation of the served spec carries one sample
// per SDK, and every sample type-checks against the real SDK (tsc strict, mypy --strict, go vet),
// all samples of a language in one run.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { goBin } from '../generate/sdk-go.ts';
import { loadSpec, operationsOf, ROOT } from '../lib/spec.ts';

const run = promisify(execFile);
const SERVED = join(ROOT, 'server', 'src', 'generated', 'openapi.json');
const MYPY = join(ROOT, '.tools', 'venv-sdk', 'bin', 'mypy');
const LANGUAGES = ['TypeScript', 'Python', 'Go'] as const;

type Lang = (typeof LANGUAGES)[number];
interface Sample {
  lang: Lang;
  label: string;
  source: string;
}

let samples: Array<{ operationId: string; samples: Sample[] }>;
let work: string;

before(() => {
  const served = JSON.parse(readFileSync(SERVED, 'utf8'));
  samples = operationsOf(served).map(({ operationId, op }) => ({ operationId, samples: op['x-codeSamples'] ?? [] }));
  work = mkdtempSync(join(tmpdir(), 'transmute-code-samples-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Each operation's sample in `lang`, written to `file(operationId)` under a fresh folder. */
function writeSamples(lang: Lang, file: (operationId: string) => string): string {
  const dir = join(work, lang);
  for (const { operationId, samples: list } of samples) {
    const path = join(dir, file(operationId));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, list.find((s) => s.lang === lang)!.source);
  }
  return dir;
}

/** Runs a checker; a failure reports its output, which names the sample and the line. */
async function check(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  await run(command, args, { ...options, maxBuffer: 16 << 20 }).catch((error: { stdout?: string; stderr?: string }) => {
    assert.fail(`${command} ${args.join(' ')}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
}

it('every operation of the served spec has exactly one sample per SDK, and openapi/ none', () => {
  const source = operationsOf(loadSpec());
  assert.deepEqual(
    samples.map((s) => s.operationId),
    source.map((o) => o.operationId),
  );
  assert.deepEqual(source.filter((o) => 'x-codeSamples' in o.op).map((o) => o.operationId), []);
  for (const { operationId, samples: list } of samples) {
    assert.deepEqual(
      list.map((s) => s.lang),
      [...LANGUAGES],
      operationId,
    );
    for (const sample of list) {
      assert.equal(sample.label, sample.lang, operationId);
      assert.match(sample.source, /client/, `${operationId} ${sample.lang}`);
    }
  }
});

it('the TypeScript samples type-check against sdks/typescript (tsc, strict)', async () => {
  const dir = writeSamples('TypeScript', (id) => `${id}.ts`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'sdks', 'typescript', 'tsconfig.json'),
      compilerOptions: { paths: { '@transmute/sdk': [join(ROOT, 'sdks', 'typescript', 'src', 'index.ts')] } },
      include: ['*.ts'],
    }),
  );
  await check(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir });
});

it('the Python samples type-check against sdks/python (mypy --strict)', async () => {
  assert.ok(existsSync(MYPY), `${MYPY} is missing: sdks/python/run-tests.sh creates it`);
  const dir = writeSamples('Python', (id) => `sample_${id}.py`);
  const env = { ...process.env, MYPYPATH: join(ROOT, 'sdks', 'python', 'src'), PYTHONDONTWRITEBYTECODE: '1' };
  await check(MYPY, ['--strict', '--cache-dir', join(ROOT, '.tools', 'mypy-cache-code-samples'), '.'], { cwd: dir, env });
});

it('the Go samples build against sdks/go (go vet)', async () => {
  const dir = writeSamples('Go', (id) => join(id, 'main.go'));
  const sdk = join(ROOT, 'sdks', 'go');
  const requires = /require \(([^)]*)\)/.exec(readFileSync(join(sdk, 'go.mod'), 'utf8'))?.[1] ?? '';
  writeFileSync(
    join(dir, 'go.mod'),
    `module samples\n\ngo 1.22\n\nrequire (\n\tgithub.com/transmute-dev/transmute-go v0.0.0${requires.trimEnd()}\n)\n\nreplace github.com/transmute-dev/transmute-go => ${sdk}\n`,
  );
  writeFileSync(join(dir, 'go.sum'), readFileSync(join(sdk, 'go.sum')));
  // -mod=mod completes go.mod from the module cache (which the SDK's own tests fill) or the proxy.
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOWORK: 'off' };
  await check(goBin('go'), ['vet', './...'], { cwd: dir, env });
});
