// Prometheus rule files: recording.yml (rates and burn rates, needed by the alerts and by the
// dashboards whichever system alerts) and alerts.yml (the alerts, for Prometheus + Alertmanager).
import { stringify } from 'yaml';
import { alertAnnotations, alertLabels, type AlertDefinition } from './alerts.ts';
import type { RecordingRule } from './objectives.ts';

const YAML_OPTIONS = { lineWidth: 0 } as const;

export function recordingRuleFile(rules: readonly RecordingRule[]): string {
  return stringify({ groups: [{ name: 'transmute-slo', rules }] }, YAML_OPTIONS);
}

export function alertRuleFile(alerts: readonly AlertDefinition[]): string {
  const rules = alerts.map((alert) => ({
    alert: alert.name,
    expr: alert.expr,
    for: alert.for,
    labels: alertLabels(alert),
    annotations: alertAnnotations(alert),
  }));
  return stringify({ groups: [{ name: 'transmute', rules }] }, YAML_OPTIONS);
}
