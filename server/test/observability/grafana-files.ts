// Reading what `make generate` wrote to grafana/: the dashboards' queries, the rule files, and the
// metric names a PromQL expression reads, so tests can hold them against a real /metrics.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const PROMETHEUS_DIR = join(ROOT, 'grafana', 'prometheus');
export const RULE_FILES = [join(PROMETHEUS_DIR, 'recording.yml'), join(PROMETHEUS_DIR, 'alerts.yml')];
const DASHBOARDS_DIR = join(ROOT, 'grafana', 'provisioning', 'dashboards', 'transmute');

/** Metrics the server's /metrics never has: node_exporter's, and Prometheus's own `up`. */
export const EXTERNAL_METRIC = /^(node_.+|up)$/;

type Json = Record<string, any>;

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

export function dashboards(): Json[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), 'utf8')) as Json);
}

/** Every panel that is not a row, rows' nested (collapsed) panels included. */
export function panelsOf(dashboard: Json): Json[] {
  return (dashboard.panels as Json[]).flatMap((p) => (p.type === 'row' ? ((p.panels as Json[] | undefined) ?? []) : [p]));
}

export function dashboardQueries(): DashboardQuery[] {
  return dashboards().flatMap((d) => panelsOf(d).flatMap((p) => (p.targets as Json[]).map((t) => ({ dashboard: d.uid as string, panel: p.title as string, expr: t.expr as string }))));
}

export interface Rules {
  /** Recording rule name → the expressions recording it (one per objective group and objective). */
  recording: Map<string, string[]>;
  alerts: Array<{ alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

export function rules(): Rules {
  const read = (file: string) => (parse(readFileSync(file, 'utf8')) as Json).groups.flatMap((g: Json) => g.rules as Json[]) as Json[];
  const recording = new Map<string, string[]>();
  for (const rule of read(RULE_FILES[0]!)) recording.set(rule.record, [...(recording.get(rule.record) ?? []), rule.expr]);
  return { recording, alerts: read(RULE_FILES[1]!) as Rules['alerts'] };
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/**
 * The series selectors an expression reads: a metric name with its matchers, without range or
 * offset (what must return data for the expression to compute on anything). Enough PromQL for our
 * expressions; it does not aim to parse every query.
 */
export function seriesSelectors(expr: string): string[] {
  // Each mask keeps the length of what it hides, so a match in the masked text is cut from `expr`.
  const blank = (s: string) => ' '.repeat(s.length);
  const masked = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, (s) => `"${'_'.repeat(s.length - 2)}"`)
    .replace(/\[[^\]]*\]/g, blank)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, blank);
  // Numbers and durations (0.99, 5m) are matched whole so that their letters are not names;
  // a name followed by "(" is a function.
  const selectors = [...masked.matchAll(/\d[\w.]*|([A-Za-z_:][\w:]*)(\s*\{[^}]*\})?(\s*\()?/g)]
    .filter((m) => m[1] && !m[3] && !KEYWORDS.has(m[1].toLowerCase()))
    .map((m) => expr.slice(m.index, m.index + m[0].length).replace(/\s*\{/, '{'));
  return [...new Set(selectors)];
}

/** The metric names an expression reads. */
export function metricNames(expr: string): string[] {
  return [...new Set(seriesSelectors(expr).map((selector) => selector.replace(/\{.*$/s, '')))];
}

/** Raw metric names an expression reads, recording rules replaced by what they read. */
export function sourceMetrics(expr: string, recording: Rules['recording']): string[] {
  const out = new Set<string>();
  const visit = (e: string) => {
    for (const name of metricNames(e)) {
      const recorded = recording.get(name);
      if (recorded) recorded.forEach(visit);
      else if (name.includes(':')) throw new Error(`${name} looks like a recording rule, but recording.yml does not record it`);
      else out.add(name);
    }
  };
  visit(expr);
  return [...out];
}

/** The sample names a /metrics exposition can contain: a histogram's _bucket, _sum and _count. */
export function exposedSampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => names.add(name + s));
    else if (type === 'summary') ['', '_sum', '_count'].forEach((s) => names.add(name + s));
    else names.add(name!);
  }
  return names;
}
