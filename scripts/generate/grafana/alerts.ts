// Every alert, defined once. prometheus-rules.ts writes them as a Prometheus rule file and
// grafana-alerting.ts as Grafana alert provisioning: the same expression, duration, labels and
// annotations in both. Each alert's runbook is docs/runbooks/<name>.md; generation fails without it.
import { burnRate, serverErrorRate, requestRate } from './objectives.ts';

export interface AlertDefinition {
  /** The alertname, and the runbook's file name. */
  name: string;
  /** page: someone acts now; ticket: someone acts within the working day. */
  severity: 'page' | 'ticket';
  /** How long the expression must hold before the alert fires (pending until then). */
  for: string;
  /** PromQL: every series it returns is a firing alert instance. */
  expr: string;
  summary: string;
  description: string;
}

/** Where the runbooks are in this repository: one <alert name>.md per alert. */
export const RUNBOOKS_DIR = 'docs/runbooks';

/**
 * The one place that says where alerts link their runbook: runbook_url is this base followed by
 * <name>.md. The default is the runbooks' path in the repository, a link that resolves from a
 * checkout and on a Git host's view of it, and never to a site that does not exist. Where
 * docs/runbooks/ is published (a Git host's file view, a docs site), set the absolute URL of that
 * folder, ending in "/", and run `make generate`: Alertmanager and Grafana show the link as it is.
 */
export const RUNBOOK_BASE_URL = `${RUNBOOKS_DIR}/`;

export function runbookUrl(alertName: string): string {
  return `${RUNBOOK_BASE_URL}${alertName}.md`;
}

const SERVER_ERRORS = 'http_request_duration_seconds_count{status_code=~"5.."}';

const SHED = 'sum by (instance) (rate(transmute_shed_requests_total[5m]))';

/** Disks node_exporter reports that are not storage (memory-backed, read-only images, namespaces). */
const NOT_STORAGE = 'fstype!~"tmpfs|ramfs|squashfs|nsfs|fuse.lxcfs"';

export const ALERTS: readonly AlertDefinition[] = [
  {
    name: 'TransmuteHighErrorRate',
    severity: 'page',
    for: '5m',
    expr: `sum(${serverErrorRate('5m')}) / sum(${requestRate('5m')}) > 0.01`,
    summary: 'More than 1 % of requests fail with a 5xx',
    description: 'Over the last 5 minutes more than 1 % of all requests were answered with a server error.',
  },
  {
    name: 'TransmuteHighLatencyP99',
    severity: 'page',
    for: '5m',
    expr: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1',
    summary: 'p99 latency above 1 s',
    description: 'Over the last 5 minutes the slowest 1 % of requests took more than 1 second.',
  },
  {
    // Refusals to shed load never reach http_request_duration_seconds (they are answered before
    // the access log and the latency histogram, to cost almost nothing), so they have their own alert.
    name: 'TransmuteLoadShedding',
    severity: 'page',
    for: '5m',
    expr: `${SHED} / (${SHED} + sum by (instance) (rate(http_request_duration_seconds_count[5m]))) > 0.01`,
    summary: '{{ $labels.instance }} sheds more than 1 % of requests',
    description: 'Over the last 5 minutes {{ $labels.instance }} refused more than 1 % of its requests with 503 E1502: it is given more work than it can serve within its objectives.',
  },
  {
    name: 'TransmuteDatabasePoolSaturated',
    severity: 'page',
    for: '5m',
    expr: 'transmute_db_pool_used_connections / transmute_db_pool_max_connections > 0.8',
    summary: 'Database pool above 80 % on {{ $labels.instance }}',
    description: 'More than 80 % of the database pool connections of {{ $labels.instance }} are in use; queries will soon wait for a connection.',
  },
  {
    name: 'TransmuteHighMemoryUsage',
    severity: 'page',
    for: '5m',
    expr: 'process_resident_memory_bytes / transmute_memory_limit_bytes > 0.85',
    summary: 'Memory above 85 % of the limit on {{ $labels.instance }}',
    description: 'The resident memory of {{ $labels.instance }} is above 85 % of its configured limit (cgroup limit, else machine memory).',
  },
  {
    name: 'TransmuteDiskSpaceLow',
    severity: 'ticket',
    for: '10m',
    expr: `node_filesystem_avail_bytes{${NOT_STORAGE}} / node_filesystem_size_bytes{${NOT_STORAGE}} < 0.2`,
    summary: 'Less than 20 % disk free on {{ $labels.instance }} {{ $labels.mountpoint }}',
    description: 'The file system at {{ $labels.mountpoint }} on {{ $labels.instance }} has less than 20 % of its space available (node_exporter).',
  },
  {
    name: 'TransmuteLoginFailures',
    severity: 'ticket',
    for: '0s',
    expr: 'sum(increase(transmute_login_failures_total[1m])) > 10',
    summary: 'More than 10 failed log-ins in a minute',
    description: 'More than 10 log-ins failed in the last minute across all accounts: password guessing or credential stuffing is likely.',
  },
  {
    name: 'TransmuteServerErrors',
    severity: 'ticket',
    for: '0s',
    // increase() misses the errors a new series starts with (its first sample already counts them),
    // so a series that appeared in the last 5 minutes counts too: unless Prometheus itself was not
    // scraping the instance then, which would make every old series look new.
    expr: `sum by (route) (increase(${SERVER_ERRORS}[5m]) > 0 or (${SERVER_ERRORS} unless ${SERVER_ERRORS} offset 5m) and on (job, instance) (up offset 5m == 1)) > 0`,
    summary: '{{ $labels.route }} answered with a 5xx',
    description: 'The operation {{ $labels.route }} answered at least one request with a server error in the last 5 minutes.',
  },
  {
    name: 'TransmuteErrorBudgetBurnFast',
    severity: 'page',
    for: '0s',
    expr: `(${burnRate('1h')} > 14.4 and ${burnRate('5m')} > 14.4) or (${burnRate('6h')} > 6 and ${burnRate('30m')} > 6)`,
    summary: '{{ $labels.route }} burns its {{ $labels.objective }} error budget fast',
    description:
      'The operation {{ $labels.route }} spends its {{ $labels.objective }} error budget (x-sla in the spec) at 14.4 times the sustainable rate over 1 h and 5 min, or 6 times over 6 h and 30 min: at this pace a 30-day budget lasts 2 to 5 days.',
  },
  {
    name: 'TransmuteErrorBudgetBurnSlow',
    severity: 'ticket',
    for: '0s',
    expr: `${burnRate('3d')} > 1 and ${burnRate('6h')} > 1`,
    summary: '{{ $labels.route }} burns its {{ $labels.objective }} error budget',
    description:
      'The operation {{ $labels.route }} has spent its {{ $labels.objective }} error budget (x-sla in the spec) faster than sustainable over 3 days and still does over 6 h: at this pace the budget runs out before the period ends.',
  },
];

export function alertLabels(alert: AlertDefinition): Record<string, string> {
  return { severity: alert.severity, service: 'transmute' };
}

export function alertAnnotations(alert: AlertDefinition): Record<string, string> {
  return { summary: alert.summary, description: alert.description, runbook_url: runbookUrl(alert.name) };
}
