// Grafana alert provisioning from the same alert definitions as alerts.yml. Each rule queries the
// Prometheus data source with the alert's PromQL and fires for every series it returns, as Grafana
// does when it imports a Prometheus rule: A the query, B `is_number($A) || is_nan($A) ||
// is_inf($A)` (1 for every returned series, whatever its value), C the condition B > 0.
//
// The SDK's builders give the HTTP API's shape (folderUID, ruleGroup, orgID on every rule); file
// provisioning wants rules grouped under { orgId, name, folder, interval }, so the rules are built
// with the SDK and regrouped here. Grafana expands $NAME in provisioning files from its environment
// ("$$" is a literal "$"), so every "$" of templates and expressions is doubled on the way out.
import { ContactPointBuilder, NotificationPolicyBuilder, QueryBuilder, RuleBuilder, type Rule } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeMathBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { stringify } from 'yaml';
import { alertAnnotations, alertLabels, type AlertDefinition } from './alerts.ts';
import { DATASOURCE_UID, FOLDER } from './provisioning.ts';

const ORG_ID = 1;
const RULE_GROUP = 'transmute';
const EVALUATION_INTERVAL = '1m';
const EXPRESSION_DATASOURCE = { type: '__expr__', uid: '__expr__' };
/** Instant queries: the window is inside the PromQL; the range only has to be valid. */
const TIME_RANGE = { from: 600, to: 0 };

const CONTACT_POINTS = { page: 'transmute-page', ticket: 'transmute-ticket' } as const;

function grafanaRule(alert: AlertDefinition): Rule {
  return new RuleBuilder(alert.name)
    .uid(ruleUid(alert))
    .condition('C')
    .withQuery(new QueryBuilder('A').datasourceUid(DATASOURCE_UID).relativeTimeRange(TIME_RANGE).model(new DataqueryBuilder().refId('A').expr(alert.expr).instant()))
    .withQuery(
      new QueryBuilder('B')
        .datasourceUid(EXPRESSION_DATASOURCE.uid)
        .relativeTimeRange(TIME_RANGE)
        .model(new TypeMathBuilder().refId('B').datasource(EXPRESSION_DATASOURCE).expression('is_number($A) || is_nan($A) || is_inf($A)')),
    )
    .withQuery(
      new QueryBuilder('C')
        .datasourceUid(EXPRESSION_DATASOURCE.uid)
        .relativeTimeRange(TIME_RANGE)
        .model(new TypeThresholdBuilder().refId('C').datasource(EXPRESSION_DATASOURCE).expression('B').conditions([{ evaluator: { type: 'gt', params: [0] } }])),
    )
    .forDuration(alert.for)
    // No series means nothing is wrong, as in Prometheus; a failing query is an error to see.
    .noDataState('OK')
    .execErrState('Error')
    .labels(alertLabels(alert))
    .annotations(alertAnnotations(alert))
    .isPaused(false)
    .build();
}

/** Grafana UIDs are at most 40 characters. */
function ruleUid(alert: AlertDefinition): string {
  const uid = alert.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  if (uid.length > 40) throw new Error(`${alert.name}: its Grafana UID ${uid} is longer than 40 characters`);
  return uid;
}

export function alertRulesProvisioning(alerts: readonly AlertDefinition[]): string {
  const rules = alerts.map(grafanaRule).map((rule) => ({
    uid: rule.uid,
    title: rule.title,
    condition: rule.condition,
    // Through JSON: the SDK's query models carry a marker method, which YAML refuses to write.
    data: rule.data.map((query) => JSON.parse(JSON.stringify(query))),
    noDataState: rule.noDataState,
    execErrState: rule.execErrState,
    for: rule.for,
    labels: rule.labels,
    annotations: rule.annotations,
    isPaused: rule.isPaused,
  }));
  return provisioningYaml({ groups: [{ orgId: ORG_ID, name: RULE_GROUP, folder: FOLDER, interval: EVALUATION_INTERVAL, rules }] });
}

/** Placeholders: replace the addresses (or the whole receiver) with the on-call's real channel. */
export function contactPointsProvisioning(): string {
  const receivers = [
    new ContactPointBuilder().uid('transmute-page-email').name(CONTACT_POINTS.page).type('email').settings({ addresses: 'oncall-page@example.com' }).build(),
    new ContactPointBuilder().uid('transmute-ticket-email').name(CONTACT_POINTS.ticket).type('email').settings({ addresses: 'oncall-tickets@example.com' }).build(),
  ];
  return provisioningYaml({
    contactPoints: receivers.map(({ name, uid, type, settings }) => ({ orgId: ORG_ID, name, receivers: [{ uid, type, settings, disableResolveMessage: false }] })),
  });
}

/** Provisioning a policy tree replaces the organisation's whole tree: see docs/monitoring.md. */
export function notificationPolicyProvisioning(): string {
  const policy = new NotificationPolicyBuilder()
    .receiver(CONTACT_POINTS.ticket)
    .groupBy(['grafana_folder', 'alertname', 'route', 'objective'])
    .routes([new NotificationPolicyBuilder().receiver(CONTACT_POINTS.page).objectMatchers([['severity', '=', 'page']]).repeatInterval('1h')])
    .build();
  return provisioningYaml({ policies: [{ orgId: ORG_ID, ...policy }] });
}

function provisioningYaml(document: object): string {
  return stringify({ apiVersion: 1, ...escapeDollars(document) }, { lineWidth: 0 });
}

function escapeDollars<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$') as T;
  if (Array.isArray(value)) return value.map(escapeDollars) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)])) as T;
  return value;
}
