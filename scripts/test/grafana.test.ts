// The generated dashboards and alerting: Prometheus accepts the rule files and their unit tests
// pass, Grafana's provisioning says the same as the Prometheus rules, every alert has a runbook,
// objectives follow x-sla, and the files on disk are what the generator produces.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { generateGrafana } from '../generate/grafana.ts';
import { ALERTS, RUNBOOK_BASE_URL, RUNBOOKS_DIR, runbookUrl } from '../generate/grafana/alerts.ts';
import { recordingRules, slaGroups } from '../generate/grafana/objectives.ts';
import { DASHBOARDS_PATH, DATASOURCE_UID } from '../generate/grafana/provisioning.ts';
import { loadSpec, ROOT } from '../lib/spec.ts';
import { generatedHeader } from '../lib/write.ts';

const run = promisify(execFile);
const PROMETHEUS_DIR = join(ROOT, 'grafana', 'prometheus');
const PROVISIONING = join(ROOT, 'grafana', 'provisioning');

type Json = Record<string, any>;

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('promtool', args, { cwd: ROOT });
    return stdout;
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed: `apt-get install -y prometheus` (Debian ships it with Prometheus 2.42)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

const readYaml = (path: string): Json => parse(readFileSync(path, 'utf8')) as Json;
/** Grafana expands $NAME in provisioning files; "$$" is how they carry a literal "$". */
const unescape = (value: string) => value.replaceAll('$$', '$');

it('the files on disk are what the generator produces, twice the same', () => {
  const spec = loadSpec();
  const files = generateGrafana(spec);
  assert.deepEqual(generateGrafana(spec), files);
  for (const { path, content } of files) {
    const file = join(ROOT, path);
    assert.ok(existsSync(file), `${path} is missing: run make generate`);
    assert.equal(readFileSync(file, 'utf8'), generatedHeader(file) + content, `${path} differs from the generator's output: run make generate`);
  }
});

it('promtool accepts the rule files', async () => {
  const out = await promtool('check', 'rules', join(PROMETHEUS_DIR, 'recording.yml'), join(PROMETHEUS_DIR, 'alerts.yml'));
  assert.equal(out.match(/SUCCESS/g)?.length, 2, out);
});

it('each alert fires on the synthetic series meant for it and stays quiet otherwise (promtool test rules)', async () => {
  await promtool('test', 'rules', join(PROMETHEUS_DIR, 'tests', 'alerts.test.yml'));
});

it('the promtool tests cover every alert, firing and quiet', () => {
  const tests = readYaml(join(PROMETHEUS_DIR, 'tests', 'alerts.test.yml')).tests as Json[];
  const cases = tests.flatMap((t) => t.alert_rule_test as Json[]);
  for (const { name } of ALERTS) {
    assert.ok(cases.some((c) => c.alertname === name && c.exp_alerts.length > 0), `no test where ${name} fires`);
    assert.ok(cases.some((c) => c.alertname === name && c.exp_alerts.length === 0), `no test where ${name} stays quiet`);
  }
});

it('Grafana provisions the same alerts as the Prometheus rule file', () => {
  const prometheus = (readYaml(join(PROMETHEUS_DIR, 'alerts.yml')).groups as Json[]).flatMap((g) => g.rules as Json[]);
  const grafana = (readYaml(join(PROVISIONING, 'alerting', 'rules.yaml')).groups as Json[]).flatMap((g) => g.rules as Json[]);
  assert.deepEqual(
    grafana.map((r) => r.title),
    prometheus.map((r) => r.alert),
  );
  for (const [i, rule] of grafana.entries()) {
    const source = prometheus[i]!;
    const [a, b, c] = rule.data as Json[];
    assert.equal(rule.condition, 'C');
    assert.equal(a!.datasourceUid, DATASOURCE_UID);
    assert.equal(unescape(a!.model.expr), source.expr, `${rule.title}: a different expression`);
    assert.equal(a!.model.instant, true);
    assert.equal(unescape(b!.model.expression), 'is_number($A) || is_nan($A) || is_inf($A)');
    assert.deepEqual(c!.model.conditions[0].evaluator, { type: 'gt', params: [0] });
    assert.equal(rule.for, source.for);
    assert.deepEqual(rule.labels, source.labels);
    assert.deepEqual(Object.fromEntries(Object.entries<string>(rule.annotations).map(([k, v]) => [k, unescape(v)])), source.annotations);
    assert.ok(rule.uid.length <= 40);
  }
  // Nothing unescaped would be expanded from Grafana's environment.
  assert.doesNotMatch(readFileSync(join(PROVISIONING, 'alerting', 'rules.yaml'), 'utf8').replaceAll('$$', ''), /\$/);
});

it('every alert has a runbook, linked from its annotations, and every runbook an alert', () => {
  const alerts = (readYaml(join(PROMETHEUS_DIR, 'alerts.yml')).groups as Json[]).flatMap((g) => g.rules as Json[]);
  for (const alert of alerts) {
    const link = alert.annotations.runbook_url;
    assert.equal(link, runbookUrl(alert.alert));
    assert.ok(link.startsWith(RUNBOOK_BASE_URL) && link.endsWith(`/${alert.alert}.md`), `${alert.alert} links ${link}`);
    assert.ok(existsSync(join(ROOT, RUNBOOKS_DIR, `${alert.alert}.md`)), `${alert.alert} has no runbook`);
    // A link relative to the repository (the default) must reach the runbook file itself.
    if (!/^[a-z][a-z0-9+.-]*:/i.test(link)) assert.equal(resolve(ROOT, link), resolve(ROOT, RUNBOOKS_DIR, `${alert.alert}.md`), `${alert.alert} links ${link}`);
    assert.match(alert.labels.severity, /^(page|ticket)$/);
  }
  const runbooks = readdirSync(join(ROOT, RUNBOOKS_DIR)).map((f) => f.replace(/\.md$/, ''));
  assert.deepEqual(runbooks.sort(), alerts.map((a) => a.alert).sort());
});

it('the provisioning points at the data source and the dashboards it ships', () => {
  const datasource = readYaml(join(PROVISIONING, 'datasources', 'transmute.yaml')).datasources[0];
  assert.equal(datasource.uid, DATASOURCE_UID);
  assert.equal(datasource.type, 'prometheus');
  const provider = readYaml(join(PROVISIONING, 'dashboards', 'transmute.yaml')).providers[0];
  assert.equal(provider.options.path, DASHBOARDS_PATH);
  // The provider path is this folder once grafana/provisioning is mounted at /etc/grafana/provisioning.
  const local = join(PROVISIONING, DASHBOARDS_PATH.replace('/etc/grafana/provisioning/', ''));
  assert.ok(readdirSync(local).filter((f) => f.endsWith('.json')).length >= 6);
  const policy = readYaml(join(PROVISIONING, 'alerting', 'policies.yaml')).policies[0];
  const contactPoints = (readYaml(join(PROVISIONING, 'alerting', 'contact-points.yaml')).contactPoints as Json[]).map((c) => c.name);
  for (const receiver of [policy.receiver, ...policy.routes.map((r: Json) => r.receiver)]) assert.ok(contactPoints.includes(receiver), `no contact point ${receiver}`);
});

it('operations sharing an x-sla share burn-rate rules; another x-sla gets its own', () => {
  const spec = loadSpec();
  assert.equal(slaGroups(spec).length, 1);
  const custom = structuredClone(spec);
  custom.paths['/v1/formats'].get['x-sla'] = { p95_ms: 100, p99_ms: 1000, max_error_rate: 0.01 };
  const groups = slaGroups(custom);
  assert.equal(groups.length, 2);
  assert.deepEqual(groups.find((g) => g.sla.p95_ms === 100)?.operationIds, ['listFormats']);
  assert.ok(!groups.find((g) => g.sla.p95_ms === 200)?.operationIds.includes('listFormats'));
  const burn1h = recordingRules(custom).filter((r) => r.record === 'route_objective:slo_burn_rate:rate1h');
  assert.equal(burn1h.length, 6);
  const formats = burn1h.filter((r) => r.expr.includes('route=~"listFormats"'));
  assert.deepEqual(
    formats.map((r) => [r.labels?.objective, r.expr.match(/ \/ ([\d.]+)$/)?.[1]]),
    [
      ['availability', '0.01'],
      ['latency_p95', '0.05'],
      ['latency_p99', '0.01'],
    ],
  );
  assert.match(formats[1]!.expr, /le=~"0\\\\\.1"/);
  assert.match(formats[2]!.expr, /le=~"1\(\\\\\.0\)\?"/);
  // The bucket recording rule records every edge an objective uses.
  assert.match(recordingRules(custom).find((r) => r.record === 'route_le:http_request_duration_seconds_bucket:rate5m')!.expr, /le=~"0\\\\\.1\|0\\\\\.2\|0\\\\\.5\|1\(\\\\\.0\)\?"/);
});

it('an x-sla threshold that is not a latency bucket edge is refused', () => {
  const spec = loadSpec();
  spec.paths['/v1/formats'].get['x-sla'] = { p95_ms: 250 };
  assert.throws(() => slaGroups(spec), /listFormats: x-sla latency_p95 threshold 0.25 s is not a latency bucket edge/);
});
