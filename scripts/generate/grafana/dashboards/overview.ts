// API overview: how much traffic, how much of it fails, how fast it is answered, per operation.
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, timeseries } from '../panels.ts';
import { latencyQuantile, requests } from './promql.ts';

export function overviewDashboard(): Dashboard {
  return dashboard({
    uid: 'transmute-api-overview',
    title: 'Transmute / API overview',
    description: 'Request rate, errors and latency per operation (operationId from the spec).',
    build: (d) =>
      d
        .withRow(new RowBuilder('Traffic'))
        .withPanel(timeseries({ title: 'Requests per second by operation', description: 'Every answered request, by operationId ("unmatched": no operation).', unit: 'reqps', queries: [{ expr: `sum by (route) (${requests()})`, legend: '{{route}}' }] }))
        .withPanel(timeseries({ title: 'Responses per second by status', description: 'Answered requests by HTTP status code.', unit: 'reqps', queries: [{ expr: `sum by (status_code) (${requests()})`, legend: '{{status_code}}' }] }))
        .withPanel(timeseries({ title: 'Requests in flight', description: 'Requests being answered at scrape time, per instance.', unit: 'short', min: 0, queries: [{ expr: 'sum by (instance) (http_requests_in_flight)', legend: '{{instance}}' }] }))
        .withRow(new RowBuilder('Errors'))
        .withPanel(
          timeseries({
            title: 'Server error ratio',
            description: 'Share of requests answered with a 5xx; the dashed line is the TransmuteHighErrorRate alert (1 %).',
            unit: 'percentunit',
            min: 0,
            lines: [0.01],
            queries: [{ expr: `sum(${requests('{status_code=~"5.."}')}) / sum(${requests()})`, legend: '5xx ratio' }],
          }),
        )
        .withPanel(timeseries({ title: 'Server errors per second by operation', description: '5xx answers by operation.', unit: 'reqps', queries: [{ expr: `sum by (route) (${requests('{status_code=~"5.."}')})`, legend: '{{route}}' }] }))
        .withPanel(timeseries({ title: 'Client errors per second by operation', description: '4xx answers by operation: the caller sent something wrong (or is not allowed).', unit: 'reqps', queries: [{ expr: `sum by (route) (${requests('{status_code=~"4.."}')})`, legend: '{{route}}' }] }))
        .withRow(new RowBuilder('Latency'))
        .withPanel(
          timeseries({
            title: 'Latency, all operations',
            description: 'Quantiles of the time to answer; the dashed line is the TransmuteHighLatencyP99 alert (1 s).',
            unit: 's',
            min: 0,
            lines: [1],
            queries: [0.5, 0.95, 0.99].map((q) => ({ expr: latencyQuantile(q), legend: `p${q * 100}` })),
          }),
        )
        .withPanel(timeseries({ title: 'p95 latency by operation', description: '95th percentile of the time to answer, by operation.', unit: 's', min: 0, queries: [{ expr: latencyQuantile(0.95, ['route']), legend: '{{route}}' }] }))
        .withPanel(timeseries({ title: 'p99 latency by operation', description: '99th percentile of the time to answer, by operation.', unit: 's', min: 0, queries: [{ expr: latencyQuantile(0.99, ['route']), legend: '{{route}}' }] })),
  });
}
