// An integrator's web app on a loopback origin of its own (so every call to the API is cross-origin):
// a blank page, and the TypeScript SDK's ESM build, compiled as `npm pack` compiles it
// (tsconfig.build.json), under /sdk/.
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const SDK = join(ROOT, 'sdks', 'typescript');
const PAGE = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,"></head><body></body></html>';

export interface WebApp {
  origin: string;
  /** The SDK's entry module, as the page imports it. */
  sdkUrl: string;
  close(): Promise<void>;
}

export async function startWebApp(): Promise<WebApp> {
  // Built outside the package, so the package's own dist/ (npm pack's, in the packaging test) is not touched.
  const build = mkdtempSync(join(tmpdir(), 'transmute-sdk-browser-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(SDK, 'tsconfig.build.json'), '--outDir', build, '--declaration', 'false'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    const file = normalize(join(build, path.replace(/^\/sdk\//, '/')));
    if (!path.startsWith('/sdk/') || !file.startsWith(build + '/') || !file.endsWith('.js')) return void res.writeHead(404).end();
    readFile(file).then(
      (code) => res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    sdkUrl: `${origin}/sdk/index.js`,
    async close() {
      await new Promise((done) => server.close(done));
      await rm(build, { recursive: true, force: true });
    },
  };
}
