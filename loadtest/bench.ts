// `make bench`: the full production stack against the peer stack (Express + express-openapi-
// validator, loadtest/fixtures/peer-express), bare Koa and bare node:http on the same conversion
// request, one after the other in one run (never at once: the machine has 2 cores), and their
// req/s ratios.
//   BENCH_CONNECTIONS (50)  BENCH_DURATION seconds (10)  BENCH_OUT (loadtest/results/bench.json)
//   DATABASE_URL: the server's database; unset, an embedded PostgreSQL is started for the run.
// Exits 0 whatever the ratio; 1 when a stack fails to start or answers errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { runWithCleanup, type Cleanup } from './bench/cleanup.ts';
import { benchDatabase } from './bench/database.ts';
import { measure, type LoadTarget } from './bench/load.ts';
import { runScript, startService } from './bench/processes.ts';
import { serviceEnv } from './bench/service-env.ts';
import { formatReport, writeResults, type StackResult } from './bench/report.ts';
import { writeUnlimitedPlans } from './bench/unlimited-plans.ts';
import { CONVERSION_REQUEST, readSettings, type BenchSettings } from './bench/settings.ts';

interface Stack {
  id: string;
  label: string;
  script: string;
  /** The stdout line that says it listens; its capture is the API root. */
  banner: RegExp;
}

const ROOT = resolve(import.meta.dirname, '..');
const FULL: Stack = { id: 'full_stack', label: 'full stack', script: 'server/src/main.ts', banner: /^Transmute API\s+(\S+)$/ };
const BARE: Stack = { id: 'bare_koa', label: 'bare Koa', script: 'loadtest/fixtures/bare-koa.ts', banner: /^Bare Koa\s+(\S+)$/ };
const PEER: Stack = { id: 'peer_express', label: 'peer Express', script: 'loadtest/fixtures/peer-express/main.ts', banner: /^Peer Express\s+(\S+)$/ };
const BARE_NODE: Stack = { id: 'bare_node_http', label: 'bare node:http', script: 'loadtest/fixtures/bare-node.ts', banner: /^Bare node:http\s+(\S+)$/ };

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** One request before the load: the stack must answer 200; returns the body to compare stacks. */
async function check(stack: Stack, target: LoadTarget): Promise<unknown> {
  const { root, request, headers } = target;
  const response = await fetch(new URL(request.path, root), {
    method: request.method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(request.body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${stack.label} answered ${response.status} to the check request: ${text}`);
  const { output } = JSON.parse(text) as { output: unknown };
  return output;
}

async function benchStack(
  stack: Stack,
  env: Record<string, string | undefined>,
  headers: Record<string, string>,
  settings: BenchSettings,
  cleanup: Cleanup,
): Promise<{ result: StackResult; output: unknown }> {
  progress(`starting ${stack.label}`);
  const service = await startService(stack.label, stack.script, env, stack.banner, ROOT, cleanup);
  const target: LoadTarget = { root: service.url, request: CONVERSION_REQUEST, headers };
  const output = await check(stack, target);
  progress(`${stack.label} at ${service.url}: ${settings.warmupSeconds} s warm-up, then ${settings.durationSeconds} s measured`);
  const measurement = await measure(target, settings, cleanup.signal);
  await service.stop();
  return { result: { stack: stack.id, label: stack.label, measurement }, output };
}

async function main(cleanup: Cleanup): Promise<number> {
  const settings = readSettings(process.env);
  const database = await benchDatabase(process.env);
  cleanup.defer(database.stop);
  progress(`database from ${database.origin}`);
  const plansDir = mkdtempSync(join(tmpdir(), 'transmute-bench-plans-'));
  cleanup.defer(async () => rmSync(plansDir, { recursive: true, force: true }));
  const env = { ...serviceEnv(database.url), PLANS_FILE: writeUnlimitedPlans(plansDir) };
  const key = await runScript('scripts/api-key.ts', ['--email', 'bench@example.com', '--plan', 'enterprise'], env, ROOT);

  const full = await benchStack(FULL, env, { 'x-api-key': key }, settings, cleanup);
  const peer = await benchStack(PEER, env, { 'x-api-key': key }, settings, cleanup);
  const bare = await benchStack(BARE, env, {}, settings, cleanup);
  const bareNode = await benchStack(BARE_NODE, env, {}, settings, cleanup);
  const all = [full, peer, bare, bareNode];
  for (const other of [peer, bare, bareNode]) {
    if (!isDeepStrictEqual(full.output, other.output)) {
      throw new Error(`the stacks do not do the same work: full stack output ${JSON.stringify(full.output)}, ${other.result.label} ${JSON.stringify(other.output)}`);
    }
  }

  const results = all.map(({ result }) => result);
  process.stdout.write(`\n${formatReport(results, full.result, bare.result, peer.result, CONVERSION_REQUEST, settings)}\n`);
  writeResults(settings.out, results, CONVERSION_REQUEST);
  process.stdout.write(`raw results: ${settings.out}\n`);
  return all.some(({ result }) => result.measurement.errors > 0) ? 1 : 0;
}

await runWithCleanup('bench', main);
