// `make bench`: the full production stack against bare Koa on the same conversion request, one
// after the other in one run (never at once: the machine has 2 cores), and their req/s ratio.
//   BENCH_CONNECTIONS (50)  BENCH_DURATION seconds (10)  BENCH_OUT (loadtest/results/bench.json)
//   DATABASE_URL: the server's database; unset, an embedded PostgreSQL is started for the run.
// Exits 0 whatever the ratio; 1 when a stack fails to start or answers errors.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { resolve } from 'node:path';
import { Cleanup } from './bench/cleanup.ts';
import { benchDatabase } from './bench/database.ts';
import { measure, type LoadTarget } from './bench/load.ts';
import { runScript, startService } from './bench/processes.ts';
import { formatReport, writeResults, type StackResult } from './bench/report.ts';
import { CONVERSION_REQUEST, readSettings, SettingsError, type BenchSettings } from './bench/settings.ts';

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

// Production refuses to start without these (server/src/config.ts, SECRETS); fresh ones per run.
const PRODUCTION_SECRETS = ['API_KEY_PEPPER', 'JWT_SECRET', 'TOTP_ENCRYPTION_KEY'];

/** Production settings, logs included: writing them is part of what a request costs. */
function serviceEnv(databaseUrl: string): Record<string, string | undefined> {
  return {
    ...process.env,
    ...Object.fromEntries(PRODUCTION_SECRETS.map((name) => [name, randomBytes(32).toString('hex')])),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_URL: undefined,
    // Off in production: the bench measures what production runs.
    RESPONSE_VALIDATION: 'false',
    DATABASE_URL: databaseUrl,
  };
}

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
  const env = serviceEnv(database.url);
  const key = await runScript('scripts/api-key.ts', ['--email', 'bench@example.com', '--plan', 'enterprise'], env, ROOT);

  const full = await benchStack(FULL, env, { 'x-api-key': key }, settings, cleanup);
  const bare = await benchStack(BARE, env, {}, settings, cleanup);
  if (!isDeepStrictEqual(full.output, bare.output)) {
    throw new Error(`the stacks do not do the same work: full stack output ${JSON.stringify(full.output)}, bare Koa ${JSON.stringify(bare.output)}`);
  }

  process.stdout.write(`\n${formatReport(full.result, bare.result, CONVERSION_REQUEST, settings)}\n`);
  writeResults(settings.out, [full.result, bare.result], CONVERSION_REQUEST);
  process.stdout.write(`raw results: ${settings.out}\n`);
  return [full, bare].some(({ result }) => result.measurement.errors > 0) ? 1 : 0;
}

const cleanup = new Cleanup();
cleanup.onSignals();
try {
  process.exitCode = await main(cleanup);
} catch (error) {
  process.exitCode = error instanceof SettingsError ? 2 : 1;
  // After a signal its handler reports and exits: the abort that unwound main is no failure.
  if (!cleanup.signal.aborted) {
    process.stderr.write(`bench: ${error instanceof SettingsError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  }
} finally {
  await cleanup.run();
}
