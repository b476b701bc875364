// `make bench`: the full production stack against the peer stack (Express + express-openapi-
// validator, loadtest/fixtures/peer-express), bare Koa and bare node:http on the same conversion
// request, one after the other in one run (never at once: the machine has 2 cores), and their
// req/s ratios. Then, while each stack still runs: its maximum sustainable rate within the
// request's x-sla objectives (bench/max-rate.ts); on the full stack also what /metrics costs the hot
// path (bench/metrics-cost.ts) and the TypeScript SDK's overhead per call (bench/sdk-overhead.ts).
//   Settings: bench/settings.ts (BENCH_DURATION, BENCH_SKIP=max_rate,... for a quick run).
//   DATABASE_URL: the server's database; unset, an embedded PostgreSQL is started for the run.
// Exits 0 whatever the ratio; 1 when a stack fails to start or answers errors.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ensureVegeta } from './run/vegeta.ts';
import { runWithCleanup, type Cleanup } from './bench/cleanup.ts';
import { benchDatabase } from './bench/database.ts';
import { measure, type LoadTarget, type Measurement } from './bench/load.ts';
import { describeObjectives, findMaxRate, plannedRequest, type MaxRate } from './bench/max-rate.ts';
import { formatMetricsCost, measureMetricsCost, summarizeMetricsCost, type MetricsCost } from './bench/metrics-cost.ts';
import { runScript, startService, type Service } from './bench/processes.ts';
import { serviceEnv } from './bench/service-env.ts';
import { formatMaxRates, formatReport, writeResults, type StackResult } from './bench/report.ts';
import { formatSdkOverhead, measureSdkOverhead, summarizeSdkOverhead, type SdkOverhead } from './bench/sdk-overhead.ts';
import { writeUnlimitedPlans } from './bench/unlimited-plans.ts';
import { CONVERSION_REQUEST, readSettings, type BenchSettings } from './bench/settings.ts';

interface Stack {
  id: string;
  label: string;
  script: string;
  /** The stdout line that says it listens; its capture is the API root. */
  banner: RegExp;
  /** Whether it authenticates the request (an API key in X-API-Key). */
  keyed: boolean;
}

const ROOT = resolve(import.meta.dirname, '..');
const FULL: Stack = { id: 'full_stack', label: 'full stack', script: 'server/src/main.ts', banner: /^Transmute API\s+(\S+)$/, keyed: true };
const BARE: Stack = { id: 'bare_koa', label: 'bare Koa', script: 'loadtest/fixtures/bare-koa.ts', banner: /^Bare Koa\s+(\S+)$/, keyed: false };
const PEER: Stack = { id: 'peer_express', label: 'peer Express', script: 'loadtest/fixtures/peer-express/main.ts', banner: /^Peer Express\s+(\S+)$/, keyed: true };
const BARE_NODE: Stack = { id: 'bare_node_http', label: 'bare node:http', script: 'loadtest/fixtures/bare-node.ts', banner: /^Bare node:http\s+(\S+)$/, keyed: false };

/** What every stack's run shares. */
interface Run {
  settings: BenchSettings;
  env: Record<string, string | undefined>;
  apiKey: string;
  cleanup: Cleanup;
  /** For vegeta's files. */
  workDir: string;
  /** Undefined when the maximum rate is skipped. */
  vegeta: string | undefined;
}

/** What else is measured on a stack's process once its main measurement is done. */
type Extra<T> = (service: Service, target: LoadTarget, measurement: Measurement) => Promise<T>;

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

async function benchStack<T>(stack: Stack, run: Run, extra: Extra<T>): Promise<{ result: StackResult; output: unknown; extra: T }> {
  const { settings, cleanup } = run;
  progress(`starting ${stack.label}`);
  const service = await startService(stack.label, stack.script, run.env, stack.banner, ROOT, cleanup);
  const target: LoadTarget = { root: service.url, request: CONVERSION_REQUEST, headers: stack.keyed ? { 'x-api-key': run.apiKey } : {} };
  const output = await check(stack, target);
  progress(`${stack.label} at ${service.url}: ${settings.warmupSeconds} s warm-up, then ${settings.durationSeconds} s measured`);
  const measurement = await measure(target, settings, cleanup.signal);
  const extraResult = await extra(service, target, measurement);
  const maxRate = await maxRateOf(stack, service, run);
  await service.stop();
  return { result: { stack: stack.id, label: stack.label, measurement, maxRate }, output, extra: extraResult };
}

async function maxRateOf(stack: Stack, service: Service, run: Run): Promise<MaxRate | undefined> {
  const { settings } = run;
  if (run.vegeta === undefined || settings.maxRate === undefined) return undefined;
  progress(`${stack.label}: maximum sustainable rate, ${settings.maxRate.stepSeconds} s steps, at most ${settings.maxRate.budgetSeconds} s`);
  const target = { origin: new URL(service.url).origin, operation: plannedRequest(CONVERSION_REQUEST, stack.keyed ? 'key' : 'none'), apiKey: run.apiKey };
  return findMaxRate(run.vegeta, target, settings.maxRate, run.workDir, run.cleanup.signal, (line) => progress(`${stack.label}: ${line}`));
}

/** The full stack's extras: /metrics cost and SDK overhead, each unless skipped. */
function fullStackExtras(run: Run, metricsToken: string): Extra<{ metricsCost: MetricsCost | undefined; sdkOverhead: SdkOverhead | undefined }> {
  const { settings, cleanup } = run;
  return async (service, target, measurement) => {
    const origin = new URL(service.url).origin;
    let metricsCost: MetricsCost | undefined;
    if (settings.metricsCost) {
      progress(`full stack: ${settings.durationSeconds} s scraped every ${settings.metricsCost.scrapeIntervalMs} ms, ${settings.durationSeconds} s unscraped, ${settings.metricsCost.scrapes} timed scrapes`);
      const endpoints = { metrics: `${origin}/metrics`, health: `${origin}/health`, token: metricsToken };
      metricsCost = summarizeMetricsCost(await measureMetricsCost(target, measurement, endpoints, settings, settings.metricsCost, cleanup.signal));
    }
    let sdkOverhead: SdkOverhead | undefined;
    if (settings.sdkOverhead) {
      progress(`full stack: ${settings.sdkOverhead.calls} calls each through raw fetch and the TypeScript SDK`);
      sdkOverhead = summarizeSdkOverhead(await measureSdkOverhead(origin, run.apiKey, settings.sdkOverhead, cleanup.signal));
    }
    return { metricsCost, sdkOverhead };
  };
}

const nothing: Extra<undefined> = async () => undefined;

async function main(cleanup: Cleanup): Promise<number> {
  const settings = readSettings(process.env);
  const vegeta = settings.maxRate ? await ensureVegeta(progress) : undefined;
  const database = await benchDatabase(process.env);
  cleanup.defer(database.stop);
  progress(`database from ${database.origin}`);
  const workDir = mkdtempSync(join(tmpdir(), 'transmute-bench-work-'));
  cleanup.defer(async () => rmSync(workDir, { recursive: true, force: true }));
  // Production serves /metrics only behind a token or on a port of its own (config.ts); the token
  // keeps scrapes on the listener the load uses, where their cost would show in production.
  const metricsToken = randomBytes(32).toString('hex');
  const env = { ...serviceEnv(database.url), PLANS_FILE: writeUnlimitedPlans(workDir), METRICS_TOKEN: metricsToken };
  const apiKey = await runScript('scripts/api-key.ts', ['--email', 'bench@example.com', '--plan', 'enterprise'], env, ROOT);
  const run: Run = { settings, env, apiKey, cleanup, workDir, vegeta };

  const full = await benchStack(FULL, run, fullStackExtras(run, metricsToken));
  const peer = await benchStack(PEER, run, nothing);
  const bare = await benchStack(BARE, run, nothing);
  const bareNode = await benchStack(BARE_NODE, run, nothing);
  const all = [full, peer, bare, bareNode];
  for (const other of [peer, bare, bareNode]) {
    if (!isDeepStrictEqual(full.output, other.output)) {
      throw new Error(`the stacks do not do the same work: full stack output ${JSON.stringify(full.output)}, ${other.result.label} ${JSON.stringify(other.output)}`);
    }
  }

  const results = all.map(({ result }) => result);
  const { metricsCost, sdkOverhead } = full.extra;
  const sections = [
    formatReport(results, full.result, bare.result, peer.result, CONVERSION_REQUEST, settings),
    settings.maxRate ? formatMaxRates(results, describeObjectives(plannedRequest(CONVERSION_REQUEST, 'key')), settings.maxRate.budgetSeconds) : undefined,
    metricsCost ? formatMetricsCost(metricsCost) : undefined,
    sdkOverhead ? formatSdkOverhead(sdkOverhead) : undefined,
  ];
  process.stdout.write(`\n${sections.filter((s) => s !== undefined).join('\n\n')}\n`);
  writeResults(settings.out, { stacks: results, metricsCost, sdkOverhead }, CONVERSION_REQUEST);
  process.stdout.write(`raw results: ${settings.out}\n`);
  return all.some(({ result }) => result.measurement.errors > 0) ? 1 : 0;
}

await runWithCleanup('bench', main);
