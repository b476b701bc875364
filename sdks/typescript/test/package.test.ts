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

/** The first `node` on PATH whose major version is 20, the oldest the package supports. */
function oldestNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'node');
    try {
      if (run(candidate, ['-p', 'process.versions.node.split(".")[0]'], dir).trim() === '20') return candidate;
    } catch {
      // not there, or not runnable
    }
  }
  return undefined;
}

// A list, an error and an event stream against a loopback server: the runtime paths an
// integrator meets first, on the installed build.
const CALLS_ON_OLDEST_NODE = `
import { createServer } from 'node:http';
import { Transmute, NotFoundError } from '@transmute/sdk';
const server = createServer((req, res) => {
  if (req.url === '/v1/formats') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'csv' }] }));
  if (req.url.endsWith('/events')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    return res.end('id: 1\\nevent: progress\\ndata: {"id":"job_1","status":"running"}\\n\\nid: 2\\nevent: status\\ndata: {"id":"job_1","status":"succeeded"}\\n\\n');
  }
  res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 404, code: 'E1005', title: 'Not found' }));
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const client = new Transmute({ apiKey: 'k', baseURL: 'http://127.0.0.1:' + server.address().port, maxRetries: 0 });
const formats = await client.formats.list();
const error = await client.jobs.retrieve('job_1').catch((e) => e);
const events = [];
for await (const event of await client.jobs.streamEvents('job_1')) events.push(event.event);
console.log(formats.data[0].id, error instanceof NotFoundError ? 'NotFoundError' : String(error), error.code, events.join(','));
server.close();
`;

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
    // The package promises Node >= 20 (engines): the installed build makes calls on the oldest.
    const node20 = oldestNode();
    assert.ok(node20, 'no Node 20 binary on PATH (Debian 12 machines have one at /usr/bin/node): the engines promise cannot be checked');
    writeFileSync(join(app, 'calls.mjs'), CALLS_ON_OLDEST_NODE);
    assert.equal(run(node20, ['calls.mjs'], app).trim(), 'csv NotFoundError E1005 progress,status');
  });
});
