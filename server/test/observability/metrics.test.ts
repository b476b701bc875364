// The metric set: events counted from zero, states read on each scrape, build and memory facts.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { AUTH_FAILURE_REASONS, Metrics } from '../../src/observability/metrics.ts';
import { buildInfo } from '../../src/observability/build-info.ts';
import { apiVersion } from '../../src/generated/routes.ts';
import pkg from '../../package.json' with { type: 'json' };

const BUILD = { version: '1.2.3', apiVersion: '1.0.0', commit: 'abc' };

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

it('counts events from zero, so the first one after a restart shows in rate()', async () => {
  const metrics = new Metrics(BUILD);
  let text = await metrics.render();
  for (const reason of AUTH_FAILURE_REASONS) assert.equal(sample(text, 'transmute_auth_failures_total', `{reason="${reason}"}`), 0);
  assert.equal(sample(text, 'transmute_webhook_delivery_duration_seconds_count', '{outcome="timeout"}'), 0);
  metrics.authFailed('revoked');
  metrics.loginFailed('wrong_password');
  metrics.rateLimited('free');
  metrics.jobFinished('succeeded', 12);
  metrics.webhookDelivered('http_error', 0.3);
  text = await metrics.render();
  assert.equal(sample(text, 'transmute_auth_failures_total', '{reason="revoked"}'), 1);
  assert.equal(sample(text, 'transmute_login_failures_total', '{reason="wrong_password"}'), 1);
  assert.equal(sample(text, 'transmute_rate_limited_requests_total', '{plan="free"}'), 1);
  assert.equal(sample(text, 'transmute_job_duration_seconds_bucket', '{le="30",outcome="succeeded"}'), 1);
  assert.equal(sample(text, 'transmute_webhook_delivery_duration_seconds_sum', '{outcome="http_error"}'), 0.3);
});

it('reads observed states when scraped, and leaves out states nobody observes', async () => {
  const metrics = new Metrics(BUILD);
  assert.doesNotMatch(await metrics.render(), /transmute_db_pool|transmute_jobs|transmute_usage_buffer|transmute_job_queue_depth/);
  let used = 3;
  metrics.observePool(() => ({ used, free: 2, pending: 1, max: 10 }));
  metrics.observeUsageBuffer(() => 42);
  metrics.observeQueueDepth(async () => 7);
  metrics.observeJobs(async () => ({ queued: 7, running: 2, succeeded: 0 }));
  let text = await metrics.render();
  assert.equal(sample(text, 'transmute_db_pool_used_connections'), 3);
  assert.equal(sample(text, 'transmute_db_pool_free_connections'), 2);
  assert.equal(sample(text, 'transmute_db_pool_pending_acquires'), 1);
  assert.equal(sample(text, 'transmute_db_pool_max_connections'), 10);
  assert.equal(sample(text, 'transmute_usage_buffer_records'), 42);
  assert.equal(sample(text, 'transmute_job_queue_depth'), 7);
  assert.equal(sample(text, 'transmute_jobs', '{state="running"}'), 2);
  assert.equal(sample(text, 'transmute_jobs', '{state="succeeded"}'), 0);
  used = 9;
  text = await metrics.render();
  assert.equal(sample(text, 'transmute_db_pool_used_connections'), 9);
});

it('reports the seconds the event loop was starved as a counter, as the shedder counts them', async () => {
  const metrics = new Metrics(BUILD);
  let starved = 0.25;
  metrics.observeStarvedLoop(() => starved);
  let text = await metrics.render();
  assert.match(text, /^# TYPE transmute_event_loop_starved_seconds_total counter$/m);
  assert.equal(sample(text, 'transmute_event_loop_starved_seconds_total'), 0.25);
  starved = 1.5;
  text = await metrics.render();
  assert.equal(sample(text, 'transmute_event_loop_starved_seconds_total'), 1.5, 'the total, not added to the last scrape');
});

it('a failing or hanging reader reports NaN (unknown) without holding the scrape', async () => {
  const metrics = new Metrics(BUILD);
  metrics.observeQueueDepth(() => new Promise<number>(() => {}));
  metrics.observeJobs(async () => {
    throw new Error('database unavailable');
  });
  const started = performance.now();
  const text = await metrics.render();
  assert.ok(performance.now() - started < 2_000, 'the scrape waited for the hanging reader');
  assert.ok(Number.isNaN(sample(text, 'transmute_job_queue_depth')));
  assert.doesNotMatch(text, /^transmute_jobs\{/m);
});

it('says what runs: server and API versions, commit, and the memory limit', async () => {
  const text = await new Metrics(BUILD).render();
  assert.equal(sample(text, 'transmute_build_info', '{version="1.2.3",api_version="1.0.0",commit="abc"}'), 1);
  const limit = sample(text, 'transmute_memory_limit_bytes')!;
  assert.ok(limit > 0 && limit <= totalmem());
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
  assert.match(text, /^process_resident_memory_bytes /m);
});

it('build info comes from the package, the spec and RELEASE_COMMIT', () => {
  assert.deepEqual(buildInfo({ RELEASE_COMMIT: 'deadbeef' }), { version: pkg.version, apiVersion, commit: 'deadbeef' });
  assert.match(buildInfo({}).commit, /^([0-9a-f]{40}|unknown)$/);
});
