// The package as an integrator gets it: strict types over the source, and a packed tarball that
// installs into an empty project and imports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { operations, VERSION } from '../src/index.ts';

const PACKAGE = join(import.meta.dirname, '..');
const ROOT = join(PACKAGE, '..', '..');
const run = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const work = mkdtempSync(join(tmpdir(), 'transmute-sdk-pack-'));
after(() => {
  rmSync(work, { recursive: true, force: true });
  // npm pack builds dist/ through prepack; the source stays the only copy in the tree.
  rmSync(join(PACKAGE, 'dist'), { recursive: true, force: true });
});

describe('package', () => {
  it('follows the spec version', () => {
    assert.equal(JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')).version, VERSION);
  });

  it('type-checks under strict + exactOptionalPropertyTypes', () => {
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(PACKAGE, 'tsconfig.json')], PACKAGE);
  });

  it('has a method for every operation in the server route table', async () => {
    const { routes } = await import('../../../server/src/generated/routes.ts');
    const client = await import('../src/index.ts').then((m) => new m.Transmute({ apiKey: 'tk' }));
    const missing = routes
      .map((r) => r.operationId)
      .filter((id) => {
        const entry = (operations as Record<string, readonly [string, string]>)[id];
        const resource = entry && (client as unknown as Record<string, Record<string, unknown>>)[entry[0]];
        return typeof resource?.[entry![1]] !== 'function';
      });
    assert.deepEqual(missing, [], 'operations in the route table without an SDK method (run make generate)');
  });

  it('packs, installs into a clean project and imports', { timeout: 120_000 }, () => {
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], PACKAGE).trim().split('\n').pop()!;
    const app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, tarball)], app);
    const out = run(process.execPath, ['-e', "import('@transmute/sdk').then(m => { const c = new m.Transmute({ apiKey: 'k' }); console.log(typeof c.jobs.createAndWait, typeof c.webhooks.verify, m.VERSION, m.NotFoundError.name) })"], app);
    assert.equal(out.trim(), `function function ${VERSION} NotFoundError`);
    const internal = run(process.execPath, ['-e', "import('@transmute/sdk/dist/internal/core.js').then(() => console.log('open'), () => console.log('closed'))"], app);
    assert.equal(internal.trim(), 'closed', 'src/internal stays private');
  });
});
