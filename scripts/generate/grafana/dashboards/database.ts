// The database pool: how many connections are lent out, idle, and how many queries wait for one.
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, timeseries } from '../panels.ts';

export function databaseDashboard(): Dashboard {
  return dashboard({
    uid: 'transmute-database',
    title: 'Transmute / Database pool',
    description: 'The PostgreSQL connection pool of each instance.',
    build: (d) =>
      d
        .withRow(new RowBuilder('Pool'))
        .withPanel(
          timeseries({
            title: 'Pool utilisation',
            description: 'Connections in use over DB_POOL_MAX; dashed: the TransmuteDatabasePoolSaturated alert (80 %).',
            unit: 'percentunit',
            min: 0,
            lines: [0.8],
            queries: [{ expr: 'transmute_db_pool_used_connections / transmute_db_pool_max_connections', legend: '{{instance}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Pool connections',
            description: 'Connections lent out, open and idle, and the pool maximum.',
            unit: 'short',
            min: 0,
            queries: [
              { expr: 'transmute_db_pool_used_connections', legend: '{{instance}} used' },
              { expr: 'transmute_db_pool_free_connections', legend: '{{instance}} free' },
              { expr: 'transmute_db_pool_max_connections', legend: '{{instance}} max' },
            ],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Queries waiting for a connection',
            description: 'Queries queued for a pool connection; they fail after DB_ACQUIRE_TIMEOUT_MS.',
            unit: 'short',
            min: 0,
            queries: [{ expr: 'transmute_db_pool_pending_acquires', legend: '{{instance}}' }],
          }),
        ),
  });
}
