// Work done off the request path: conversion jobs, webhook deliveries, usage metering.
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, timeseries } from '../panels.ts';
import { histogramQuantile, RATE_WINDOW } from './promql.ts';

export function backgroundDashboard(): Dashboard {
  return dashboard({
    uid: 'transmute-background',
    title: 'Transmute / Jobs, webhooks and usage',
    description: 'Conversion jobs, webhook deliveries and the usage metering buffer.',
    build: (d) =>
      d
        .withRow(new RowBuilder('Jobs'))
        .withPanel(timeseries({ title: 'Jobs by state', description: 'Jobs kept in the database, by state.', unit: 'short', min: 0, queries: [{ expr: 'sum by (state) (transmute_jobs)', legend: '{{state}}' }] }))
        .withPanel(timeseries({ title: 'Queue depth', description: 'Jobs waiting for a worker.', unit: 'short', min: 0, queries: [{ expr: 'sum(transmute_job_queue_depth)', legend: 'queued' }] }))
        .withPanel(
          timeseries({
            title: 'Jobs finished per second by outcome',
            description: 'Jobs that ended, by outcome.',
            unit: 'ops',
            min: 0,
            queries: [{ expr: `sum by (outcome) (rate(transmute_job_duration_seconds_count[${RATE_WINDOW}]))`, legend: '{{outcome}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Job duration',
            description: 'Time from start to end of the jobs that ended, p50 and p95.',
            unit: 's',
            min: 0,
            queries: [0.5, 0.95].map((q) => ({ expr: histogramQuantile(q, 'transmute_job_duration_seconds'), legend: `p${q * 100}` })),
          }),
        )
        .withRow(new RowBuilder('Webhooks'))
        .withPanel(
          timeseries({
            title: 'Webhook deliveries per second by outcome',
            description: 'Delivery attempts: success (2xx), http_error (other status), timeout, connection_error.',
            unit: 'ops',
            min: 0,
            queries: [{ expr: `sum by (outcome) (rate(transmute_webhook_delivery_duration_seconds_count[${RATE_WINDOW}]))`, legend: '{{outcome}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Webhook delivery latency',
            description: 'p95 time of a delivery attempt, by outcome.',
            unit: 's',
            min: 0,
            queries: [{ expr: histogramQuantile(0.95, 'transmute_webhook_delivery_duration_seconds', ['outcome']), legend: '{{outcome}}' }],
          }),
        )
        .withRow(new RowBuilder('Usage metering'))
        .withPanel(timeseries({ title: 'Usage records waiting', description: 'Usage records metered but not yet written: grows when flushes fail.', unit: 'short', min: 0, queries: [{ expr: 'transmute_usage_buffer_records', legend: '{{instance}}' }] })),
  });
}
