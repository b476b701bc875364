// `make bench`: the full production stack against the peer stack (Express + express-openapi-
// validator, loadtest/fixtures/peer-express), bare Koa and bare node:http on the same requests (a
// small conversion and an authenticated GET /v1/formats) in one run, the stacks taking turns of a
// few seconds under the load (never loaded at once: the machine has 2 cores), and their req/s
// ratios per request. Then, one stack at a time: its maximum sustainable rate for the conversion within its x-sla objectives
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
import { measure, measureInTurns, type LoadTarget, type Measurement } from './bench/load.ts';
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

/** What else is measured on a stack's process once every stack's load is measured. */
type Extra<T> = (service: Service, target: LoadTarget) => Promise<T>;

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** A stack started and checked: its process, its targets and its comparable answer to each request. */
interface Started {
  stack: Stack;
  service: Service;
  targetOf(request: BenchRequest): LoadTarget;
  answers: Map<BenchRequest, unknown>;
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

/** Started together: an idle stack costs nothing, and the stacks then take turns under the load. */
async function startStack(stack: Stack, run: Run): Promise<Started> {
  progress(`starting ${stack.label}`);
  const service = await startService(stack.label, stack.script, run.env, stack.banner, ROOT, run.cleanup);
  const headers: Record<string, string> = stack.keyed ? { 'x-api-key': run.apiKey } : {};
  const targetOf = (request: BenchRequest): LoadTarget => ({ root: service.url, request, headers });
  const answers = new Map<BenchRequest, unknown>();
  for (const request of REQUESTS) answers.set(request, await check(stack, targetOf(request)));
  return { stack, service, targetOf, answers };
}

/** Every request on every stack, the stacks taking turns (bench/load.ts measureInTurns). */
async function measureAll(started: Started[], run: Run): Promise<Map<Started, Map<BenchRequest, Measurement>>> {
  const { settings, cleanup } = run;
  const measured = new Map(started.map((s) => [s, new Map<BenchRequest, Measurement>()]));
  for (const request of REQUESTS) {
    progress(`${request.method} ${request.path}: ${settings.warmupSeconds} s warm-up per stack, then ${settings.durationSeconds} s each, the stacks taking turns`);
    const measurements = await measureInTurns(started.map((s) => s.targetOf(request)), settings, cleanup.signal);
    started.forEach((s, i) => measured.get(s)!.set(request, measurements[i]!));
  }
  return measured;
}

/** Then, one stack at a time, what overloads it or needs it alone: its extras and its maximum rate. */
async function finishStack<T>(started: Started, measured: Map<BenchRequest, Measurement>, run: Run, extra: Extra<T>): Promise<StackRun<T>> {
  const { stack, service, targetOf, answers } = started;
  const extraResult = await extra(service, targetOf(CONVERSION_REQUEST));
  const conversion = measured.get(CONVERSION_REQUEST)!;
  const maxRate = await maxRateOf(stack, service, run, conversion);
  await service.stop();
  const results: StackResult[] = [
    { stack: stack.id, label: stack.label, request: CONVERSION_REQUEST, measurement: conversion, maxRate },
    { stack: stack.id, label: stack.label, request: FORMATS_REQUEST, measurement: measured.get(FORMATS_REQUEST)!, maxRate: undefined },
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
  return async (service, target) => {
    const origin = new URL(service.url).origin;
    let metricsCost: MetricsCost | undefined;
    if (settings.metricsCost) {
      // Unscraped, scraped, unscraped, back to back on this stack alone: the turns measured earlier
      // are not the run right before the scraped one.
      progress(`full stack: ${settings.durationSeconds} s unscraped, scraped every ${settings.metricsCost.scrapeIntervalMs} ms, unscraped again; then ${settings.metricsCost.scrapes} timed scrapes`);
      const measurement = await measure(target, settings, cleanup.signal, false);
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

  const started: Started[] = [];
  for (const stack of [FULL, PEER, BARE, BARE_NODE]) started.push(await startStack(stack, run));
  const measured = await measureAll(started, run);
  const [fullStarted, peerStarted, bareStarted, bareNodeStarted] = started as [Started, Started, Started, Started];
  const full = await finishStack(fullStarted, measured.get(fullStarted)!, run, fullStackExtras(run, metricsToken));
  const peer = await finishStack(peerStarted, measured.get(peerStarted)!, run, nothing);
  const bare = await finishStack(bareStarted, measured.get(bareStarted)!, run, nothing);
  const bareNode = await finishStack(bareNodeStarted, measured.get(bareNodeStarted)!, run, nothing);
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
