// `make bench`: the full production stack against the peer stack (Express + express-openapi-
// validator, loadtest/fixtures/peer-express), bare Koa and bare node:http on the same requests (a
// small conversion and an authenticated GET /v1/formats), one stack after the other in one run
// (never at once: the machine has 2 cores), and their req/s ratios per request. Then, while each
// stack still runs: its maximum sustainable rate for the conversion within its x-sla objectives
// (bench/max-rate.ts); on the full stack also what /metrics costs the hot path
// (bench/metrics-cost.ts) and the TypeScript SDK's overhead per call (bench/sdk-overhead.ts).
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
import { formatMaxRates, formatReport, writeResults, type ComparedStacks, type StackResult } from './bench/report.ts';
import { formatSdkOverhead, measureSdkOverhead, summarizeSdkOverhead, type SdkOverhead } from './bench/sdk-overhead.ts';
import { writeUnlimitedPlans } from './bench/unlimited-plans.ts';
import { CONVERSION_REQUEST, encodeRequest, FORMATS_REQUEST, readSettings, type BenchRequest, type BenchSettings } from './bench/settings.ts';

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
const COMPARED: ComparedStacks = { full: FULL.id, bareKoa: BARE.id, peer: PEER.id };
/** Every stack answers each; printed and written in this order. */
const REQUESTS = [CONVERSION_REQUEST, FORMATS_REQUEST];

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

/** What else is measured on a stack's process once its conversion is measured (with that measurement). */
type Extra<T> = (service: Service, target: LoadTarget, measurement: Measurement) => Promise<T>;

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** What one stack did: a result per request, its comparable answer to each, and its extras. */
interface StackRun<T> {
  stack: Stack;
  results: StackResult[];
  answers: Map<BenchRequest, unknown>;
  extra: T;
}

/** One request before the load: the stack must answer 200; returns what the stacks must agree on. */
async function check(stack: Stack, target: LoadTarget): Promise<unknown> {
  const { root, request, headers } = target;
  const wire = encodeRequest(request);
  const response = await fetch(new URL(request.path, root), { method: request.method, headers: { ...wire.headers, ...headers }, body: wire.body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${stack.label} answered ${response.status} to ${request.method} ${request.path}: ${text}`);
  return request.comparable(JSON.parse(text));
}

async function benchStack<T>(stack: Stack, run: Run, extra: Extra<T>): Promise<StackRun<T>> {
  const { settings, cleanup } = run;
  progress(`starting ${stack.label}`);
  const service = await startService(stack.label, stack.script, run.env, stack.banner, ROOT, cleanup);
  const headers: Record<string, string> = stack.keyed ? { 'x-api-key': run.apiKey } : {};
  const targetOf = (request: BenchRequest): LoadTarget => ({ root: service.url, request, headers });
  const answers = new Map<BenchRequest, unknown>();
  for (const request of REQUESTS) answers.set(request, await check(stack, targetOf(request)));
  const measureOne = (request: BenchRequest) => {
    progress(`${stack.label} at ${service.url}, ${request.method} ${request.path}: ${settings.warmupSeconds} s warm-up, then ${settings.durationSeconds} s measured`);
    return measure(targetOf(request), settings, cleanup.signal);
  };
  // The GET first: the conversion's own measurement must come right before its extras (the
  // /metrics cost's first unscraped run is that measurement) and its maximum-rate search, which
  // overloads the stack.
  const formats = await measureOne(FORMATS_REQUEST);
  const conversion = await measureOne(CONVERSION_REQUEST);
  const extraResult = await extra(service, targetOf(CONVERSION_REQUEST), conversion);
  const maxRate = await maxRateOf(stack, service, run, conversion);
  await service.stop();
  const results: StackResult[] = [
    { stack: stack.id, label: stack.label, request: CONVERSION_REQUEST, measurement: conversion, maxRate },
    { stack: stack.id, label: stack.label, request: FORMATS_REQUEST, measurement: formats, maxRate: undefined },
  ];
  return { stack, results, answers, extra: extraResult };
}

/** Every stack must give the full stack's answer to every request, or the ratios compare different work. */
function assertSameWork(full: StackRun<unknown>, others: StackRun<unknown>[]): void {
  for (const request of REQUESTS) {
    const expected = full.answers.get(request);
    for (const other of others) {
      const actual = other.answers.get(request);
      if (!isDeepStrictEqual(expected, actual)) {
        throw new Error(`the stacks do not do the same work for ${request.method} ${request.path}: ${FULL.label} ${JSON.stringify(expected)}, ${other.stack.label} ${JSON.stringify(actual)}`);
      }
    }
  }
}

async function maxRateOf(stack: Stack, service: Service, run: Run, conversion: Measurement): Promise<MaxRate | undefined> {
  const { settings } = run;
  if (run.vegeta === undefined || settings.maxRate === undefined) return undefined;
  progress(`${stack.label}: maximum sustainable rate, ${settings.maxRate.stepSeconds} s steps, at most ${settings.maxRate.budgetSeconds} s`);
  const target = { origin: new URL(service.url).origin, operation: plannedRequest(CONVERSION_REQUEST, stack.keyed ? 'key' : 'none'), apiKey: run.apiKey };
  return findMaxRate(run.vegeta, target, conversion.rps, settings.maxRate, run.workDir, run.cleanup.signal, (line) => progress(`${stack.label}: ${line}`));
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
  // Load shedding off: the closed-model runs keep every stack saturated on purpose, where refusals
  // would count as cheap answers; the stacks are compared on the same work (shedding is measured by
  // make loadtest PROFILE=ramp). The max-rate search stays below saturation, where it would not act.
  const env = {
    ...serviceEnv(database.url),
    PLANS_FILE: writeUnlimitedPlans(workDir),
    METRICS_TOKEN: metricsToken,
    SHED_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_IN_FLIGHT: '0',
  };
  const apiKey = await runScript('scripts/api-key.ts', ['--email', 'bench@example.com', '--plan', 'enterprise'], env, ROOT);
  const run: Run = { settings, env, apiKey, cleanup, workDir, vegeta };

  const full = await benchStack(FULL, run, fullStackExtras(run, metricsToken));
  const peer = await benchStack(PEER, run, nothing);
  const bare = await benchStack(BARE, run, nothing);
  const bareNode = await benchStack(BARE_NODE, run, nothing);
  assertSameWork(full, [peer, bare, bareNode]);

  const results = [full, peer, bare, bareNode].flatMap((stackRun) => stackRun.results);
  const { metricsCost, sdkOverhead } = full.extra;
  const sections = [
    ...REQUESTS.map((request) => formatReport(results, request, COMPARED, settings)),
    settings.maxRate ? formatMaxRates(results, CONVERSION_REQUEST, describeObjectives(plannedRequest(CONVERSION_REQUEST, 'key')), settings.maxRate.budgetSeconds) : undefined,
    metricsCost ? formatMetricsCost(metricsCost) : undefined,
    sdkOverhead ? formatSdkOverhead(sdkOverhead) : undefined,
  ];
  process.stdout.write(`\n${sections.filter((s) => s !== undefined).join('\n\n')}\n`);
  writeResults(settings.out, { stacks: results, metricsCost, sdkOverhead });
  process.stdout.write(`raw results: ${settings.out}\n`);
  return results.some(({ measurement }) => measurement.errors > 0) ? 1 : 0;
}

await runWithCleanup('bench', main);
