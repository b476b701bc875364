// grafana/: dashboards, Grafana provisioning and Prometheus rule files, from the spec's x-sla and
// the server's metrics (server/src/observability/metrics.ts). Paths are relative to the repository.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/spec.ts';
import { ALERTS, RUNBOOKS_DIR } from './grafana/alerts.ts';
import { backgroundDashboard } from './grafana/dashboards/background.ts';
import { databaseDashboard } from './grafana/dashboards/database.ts';
import { objectivesDashboard } from './grafana/dashboards/objectives.ts';
import { overviewDashboard } from './grafana/dashboards/overview.ts';
import { runtimeDashboard } from './grafana/dashboards/runtime.ts';
import { securityDashboard } from './grafana/dashboards/security.ts';
import { alertRulesProvisioning, contactPointsProvisioning, notificationPolicyProvisioning } from './grafana/grafana-alerting.ts';
import { recordingRules } from './grafana/objectives.ts';
import { alertRuleFile, recordingRuleFile } from './grafana/prometheus-rules.ts';
import { dashboardProviderProvisioning, datasourceProvisioning } from './grafana/provisioning.ts';

type Json = Record<string, any>;

export interface GeneratedFile {
  path: string;
  content: string;
}

export function generateGrafana(spec: Json): GeneratedFile[] {
  const missing = ALERTS.filter((a) => !existsSync(join(ROOT, RUNBOOKS_DIR, `${a.name}.md`))).map((a) => a.name);
  if (missing.length > 0) throw new Error(`alerts without a runbook in ${RUNBOOKS_DIR}/: ${missing.join(', ')}`);
  const dashboards = [overviewDashboard(), objectivesDashboard(spec), runtimeDashboard(), databaseDashboard(), backgroundDashboard(), securityDashboard()];
  return [
    { path: 'grafana/prometheus/recording.yml', content: recordingRuleFile(recordingRules(spec)) },
    { path: 'grafana/prometheus/alerts.yml', content: alertRuleFile(ALERTS) },
    { path: 'grafana/provisioning/datasources/transmute.yaml', content: datasourceProvisioning() },
    { path: 'grafana/provisioning/dashboards/transmute.yaml', content: dashboardProviderProvisioning() },
    ...dashboards.map((d) => ({ path: `grafana/provisioning/dashboards/transmute/${d.uid}.json`, content: JSON.stringify(d, null, 2) + '\n' })),
    { path: 'grafana/provisioning/alerting/rules.yaml', content: alertRulesProvisioning(ALERTS) },
    { path: 'grafana/provisioning/alerting/contact-points.yaml', content: contactPointsProvisioning() },
    { path: 'grafana/provisioning/alerting/policies.yaml', content: notificationPolicyProvisioning() },
  ];
}
