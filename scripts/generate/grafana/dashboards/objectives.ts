// Objectives per operation, from the spec's x-sla: burn rates for every operation at a glance, then
// one collapsed row per operation with its latency and error ratio against its own objectives.
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { operationsOf, slaOf } from '../../../lib/spec.ts';
import { dashboard, timeseries } from '../panels.ts';
import { burnRate, requestRate, serverErrorRate, WINDOWS, type Window } from '../objectives.ts';
import { latencyQuantile } from './promql.ts';

type Json = Record<string, any>;

/** The burn rates the alerts compare against, per window. */
const ALERT_BURN: Partial<Record<Window, number>> = { '1h': 14.4, '6h': 6, '3d': 1 };

export function objectivesDashboard(spec: Json): Dashboard {
  return dashboard({
    uid: 'transmute-objectives',
    title: 'Transmute / Objectives',
    description: 'Per-operation objectives from x-sla in openapi/openapi.yaml: availability (5xx ratio) and latency (p95, p99), with error-budget burn rates.',
    build: (d) => {
      d.withRow(new RowBuilder('Burn rates, every operation'));
      for (const w of WINDOWS.filter((w) => ALERT_BURN[w] !== undefined)) {
        d.withPanel(
          timeseries({
            title: `Burn rate over ${w}`,
            description: `How fast each objective spends its error budget over ${w}: 1 spends it exactly by the period's end. Dashed: the alert threshold for this window (${ALERT_BURN[w]}).`,
            unit: 'short',
            min: 0,
            lines: [ALERT_BURN[w]!],
            queries: [{ expr: burnRate(w), legend: '{{route}} {{objective}}' }],
          }),
        );
      }
      d.withPanel(
        timeseries({
          title: 'Error budget spent in the last 3 days',
          description: 'Share of a 30-day error budget the last 3 days used (burn rate over 3 d × 3/30). Above 10 %, the month is on course to miss.',
          unit: 'percentunit',
          min: 0,
          lines: [0.1],
          queries: [{ expr: `${burnRate('3d')} * 3 / 30`, legend: '{{route}} {{objective}}' }],
        }),
      );
      for (const { operationId, method, path, op } of operationsOf(spec)) {
        const sla = slaOf(spec, op);
        const route = `{route="${operationId}"}`;
        d.withRow(
          new RowBuilder(`${operationId}: ${method.toUpperCase()} ${path}`)
            .collapsed(true)
            .withPanel(
              timeseries({
                title: `${operationId} latency`,
                description: `p95 and p99 of ${operationId}; dashed: its objectives p95 < ${sla.p95_ms} ms, p99 < ${sla.p99_ms} ms.`,
                unit: 's',
                min: 0,
                lines: [sla.p95_ms / 1000, sla.p99_ms / 1000],
                queries: [0.95, 0.99].map((q) => ({ expr: latencyQuantile(q, [], route), legend: `p${q * 100}` })),
              }),
            )
            .withPanel(
              timeseries({
                title: `${operationId} server error ratio`,
                description: `Share of ${operationId}'s requests answered with a 5xx over 5 minutes; dashed: its objective (${sla.max_error_rate * 100} %).`,
                unit: 'percentunit',
                min: 0,
                lines: [sla.max_error_rate],
                queries: [{ expr: `${serverErrorRate('5m')}${route} / ${requestRate('5m')}${route}`, legend: '5xx ratio' }],
              }),
            )
            .withPanel(
              timeseries({
                title: `${operationId} burn rates`,
                description: `Error-budget burn rate of each ${operationId} objective over 1 h, 6 h and 3 d; dashed: the alert thresholds (14.4, 6, 1).`,
                unit: 'short',
                min: 0,
                lines: [1, 6, 14.4],
                queries: (['1h', '6h', '3d'] as const).map((w) => ({ expr: `${burnRate(w)}${route}`, legend: `${w} {{objective}}` })),
              }),
            ),
        );
      }
    },
  });
}
