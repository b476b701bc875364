// Who is refused, and why: failed log-ins, refused credentials, rate limits.
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, timeseries } from '../panels.ts';
import { RATE_WINDOW, requests } from './promql.ts';

export function securityDashboard(): Dashboard {
  return dashboard({
    uid: 'transmute-security',
    title: 'Transmute / Security',
    description: 'Failed log-ins, authentication failures and rate limiting.',
    build: (d) =>
      d
        .withRow(new RowBuilder('Log-ins and credentials'))
        .withPanel(
          timeseries({
            title: 'Failed log-ins per minute by reason',
            description: 'Failed password and second-factor log-ins; dashed: the TransmuteLoginFailures alert (10 a minute).',
            unit: 'opm',
            min: 0,
            lines: [10],
            queries: [{ expr: `sum by (reason) (rate(transmute_login_failures_total[${RATE_WINDOW}])) * 60`, legend: '{{reason}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Authentication failures by reason',
            description: 'Requests refused for their credentials: missing, unknown, revoked or expired keys, invalid tokens, missing scopes.',
            unit: 'reqps',
            min: 0,
            queries: [{ expr: `sum by (reason) (rate(transmute_auth_failures_total[${RATE_WINDOW}]))`, legend: '{{reason}}' }],
          }),
        )
        .withRow(new RowBuilder('Rate limits'))
        .withPanel(
          timeseries({
            title: 'Rate-limited requests by plan',
            description: 'Requests refused with 429, by the plan of the caller (auth-ip, signup-ip: the per-address limits on log-in and sign-up).',
            unit: 'reqps',
            min: 0,
            queries: [{ expr: `sum by (plan) (rate(transmute_rate_limited_requests_total[${RATE_WINDOW}]))`, legend: '{{plan}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Refusals by operation',
            description: '401, 403 and 429 answers by operation and status.',
            unit: 'reqps',
            min: 0,
            queries: [{ expr: `sum by (route, status_code) (${requests('{status_code=~"401|403|429"}')})`, legend: '{{route}} {{status_code}}' }],
          }),
        ),
  });
}
