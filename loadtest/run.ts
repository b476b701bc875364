// `make loadtest RATE=… DURATION=…`: the SLA test. Starts the full production server on a real
// PostgreSQL (DATABASE_URL, else an embedded one for the run), seeds an API key and a signed-in
// user, loads the generated plan (loadtest/generated/plan.json) with vegeta, and writes loadtest.md,
// loadtest.json and its plots to LOADTEST_OUT (loadtest/results). Two profiles (PROFILE):
// - constant: RATE for DURATION; exits 1 when an operation missed its x-sla objectives;
// - ramp: steps from under RATE to three times it and back (run/ramp.ts); exits 1 when the server
//   failed otherwise than by shedding, let accepted requests miss their objectives, kept growing
//   its memory, or still shed at the end (run/ramp-evaluate.ts).
// Settings: loadtest/run/settings.ts. Exits 1 when the run itself failed, 2 on a bad setting.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { runWithCleanup, type Cleanup } from './bench/cleanup.ts';
import { benchDatabase } from './bench/database.ts';
import { startService } from './bench/processes.ts';
import { serviceEnv } from './bench/service-env.ts';
import { writeUnlimitedPlans } from './bench/unlimited-plans.ts';
import { evaluateOperations, evaluateSeconds, targetKey } from './run/evaluate.ts';
import { interleave, readPlan, selectOperations, type PlannedOperation } from './run/plan.ts';
import { runRamp } from './run/ramp.ts';
import { rampSummary, writeRampReport } from './run/ramp-report.ts';
import { breached, writeReport, type RunReport } from './run/report.ts';
import { createApiKey, signUpUser } from './run/seed.ts';
import { readSettings } from './run/settings.ts';
import { attack, ensureVegeta, readResults, writeTargets, type Credentials } from './run/vegeta.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SERVER_BANNER = /^Transmute API\s+(\S+)$/;

function progress(message: string): void {
  process.stderr.write(`loadtest: ${message}\n`);
}

/** One request per operation before the load: a plan the server refuses is a setup error, not an SLA result. */
async function check(operations: PlannedOperation[], origin: string, credentials: Credentials): Promise<void> {
  for (const operation of operations) {
    const auth: Record<string, string> =
      operation.auth === 'key' ? { 'x-api-key': credentials.apiKey } : operation.auth === 'user' ? { authorization: `Bearer ${credentials.userToken}` } : {};
    const response = await fetch(new URL(operation.path, origin), { method: operation.method, headers: { ...operation.headers, ...auth }, body: operation.body });
    const text = await response.text();
    if (response.status !== operation.expected_status) {
      throw new Error(`${operation.operation_id} answered ${response.status} instead of ${operation.expected_status}: ${text.slice(0, 500)}`);
    }
  }
}

async function main(cleanup: Cleanup): Promise<number> {
  const settings = readSettings(process.env);
  const plan = readPlan();
  const selection = selectOperations(plan, settings.operations);
  const operations = selection.map((s) => s.operation);
  const vegeta = await ensureVegeta(progress);

  const workDir = mkdtempSync(join(tmpdir(), 'transmute-loadtest-'));
  cleanup.defer(async () => rmSync(workDir, { recursive: true, force: true }));
  const database = await benchDatabase(process.env);
  cleanup.defer(database.stop);
  progress(`database from ${database.origin}`);
  // A token opens /metrics (closed in production otherwise), for the ramp to read the server's memory.
  const metricsToken = randomBytes(32).toString('hex');
  const env = { ...serviceEnv(database.url), PLANS_FILE: writeUnlimitedPlans(workDir), METRICS_TOKEN: metricsToken };
  const apiKey = await createApiKey(env, ROOT);
  const server = await startService('the server', 'server/src/main.ts', env, SERVER_BANNER, ROOT, cleanup);
  const origin = new URL(server.url).origin;
  const credentials: Credentials = { apiKey, userToken: await signUpUser(server.url) };
  await check(operations, origin, credentials);

  const targets = join(workDir, 'targets.jsonl');
  writeTargets(targets, interleave(selection), origin, credentials);
  if (settings.profile === 'ramp') {
    const run = { settings, vegeta, targets, workDir, origin, metricsToken, operations, signal: cleanup.signal, progress };
    const report = await runRamp(run, { api_version: plan.api_version, database: database.origin, shedding: sheddingSettings(env) }, server.stop);
    const files = writeRampReport(settings.outDir, report);
    progress(`report: ${relative(process.cwd(), files.markdown)} (and ${relative(process.cwd(), files.json)}, ${relative(process.cwd(), files.rates)}, ${relative(process.cwd(), files.latency)})`);
    process.stdout.write(rampSummary(report));
    return report.passed ? 0 : 1;
  }
  progress(`${operations.map((o) => o.operation_id).join(', ')} at ${settings.rate} req/s: ${settings.warmupSeconds} s warm-up, then ${settings.durationSeconds} s measured`);
  await attack(vegeta, targets, settings.rate, settings.warmupSeconds, join(workDir, 'warmup.bin'), cleanup.signal);
  const startedAt = new Date().toISOString();
  await attack(vegeta, targets, settings.rate, settings.durationSeconds, join(workDir, 'results.bin'), cleanup.signal);
  await server.stop();

  const samples = await readResults(vegeta, join(workDir, 'results.bin'), join(workDir, 'results.jsonl'));
  const urlOf = (o: PlannedOperation) => new URL(o.path, origin).href;
  const expected = new Map(operations.map((o) => [targetKey(o.method, urlOf(o)), o.expected_status]));
  const results = evaluateOperations(samples, operations, urlOf);
  const answered = samples.filter((s) => s.status !== 0).length;
  const report: RunReport = {
    api_version: plan.api_version,
    started_at: startedAt,
    rate_per_s: settings.rate,
    duration_s: settings.durationSeconds,
    warmup_s: settings.warmupSeconds,
    database: database.origin,
    requests: samples.length,
    throughput_per_s: Math.round((answered / settings.durationSeconds) * 10) / 10,
    breached: breached(results),
    operations: results,
    seconds: evaluateSeconds(samples, (s) => s.status !== expected.get(targetKey(s.method, s.url))),
  };
  const files = writeReport(settings.outDir, report);
  progress(`report: ${relative(process.cwd(), files.markdown)} (and ${relative(process.cwd(), files.json)}, ${relative(process.cwd(), files.svg)})`);
  for (const o of results) {
    const missed = o.objectives.filter((x) => !x.met).map((x) => `${x.name} ${x.measured} (target ${x.target})`);
    process.stdout.write(`${o.operation_id.padEnd(24)} ${String(o.requests).padStart(7)} req  p95 ${o.p95_ms} ms  p99 ${o.p99_ms} ms  errors ${o.errors}${missed.length > 0 ? `  BREACHED: ${missed.join(', ')}` : ''}\n`);
  }
  process.stdout.write(report.breached ? 'objectives BREACHED\n' : 'all objectives met\n');
  return report.breached ? 1 : 0;
}

/** The SHED_* variables the server was started with (unset ones take the server's defaults). */
function sheddingSettings(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('SHED_') && entry[1] !== undefined));
}

await runWithCleanup('loadtest', main);
