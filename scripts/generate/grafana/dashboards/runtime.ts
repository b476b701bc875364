// The Node.js process: memory against its limit, heap, event loop, garbage collection, CPU.
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboard, timeseries } from '../panels.ts';
import { RATE_WINDOW } from './promql.ts';

export function runtimeDashboard(): Dashboard {
  return dashboard({
    uid: 'transmute-runtime',
    title: 'Transmute / Runtime',
    description: 'Memory against the configured limit, heap, event loop lag, garbage collection and CPU per instance.',
    build: (d) =>
      d
        .withRow(new RowBuilder('Memory'))
        .withPanel(
          timeseries({
            title: 'Memory used of the limit',
            description: 'Resident memory over the configured limit (cgroup limit, else machine memory); dashed: the TransmuteHighMemoryUsage alert (85 %).',
            unit: 'percentunit',
            min: 0,
            lines: [0.85],
            queries: [{ expr: 'process_resident_memory_bytes / transmute_memory_limit_bytes', legend: '{{instance}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Resident memory and limit',
            description: 'Resident set size and the configured memory limit.',
            unit: 'bytes',
            min: 0,
            queries: [
              { expr: 'process_resident_memory_bytes', legend: '{{instance}} resident' },
              { expr: 'transmute_memory_limit_bytes', legend: '{{instance}} limit' },
            ],
          }),
        )
        .withPanel(
          timeseries({
            title: 'V8 heap',
            description: 'JavaScript heap used and reserved, and memory held outside the heap (buffers).',
            unit: 'bytes',
            min: 0,
            queries: [
              { expr: 'nodejs_heap_size_used_bytes', legend: '{{instance}} heap used' },
              { expr: 'nodejs_heap_size_total_bytes', legend: '{{instance}} heap total' },
              { expr: 'nodejs_external_memory_bytes', legend: '{{instance}} external' },
            ],
          }),
        )
        .withRow(new RowBuilder('Event loop and CPU'))
        .withPanel(
          timeseries({
            title: 'Event loop lag',
            description: 'How late timers run: work blocking the event loop delays every request.',
            unit: 's',
            min: 0,
            queries: [
              { expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{instance}} p99' },
              { expr: 'nodejs_eventloop_lag_mean_seconds', legend: '{{instance}} mean' },
            ],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Requests shed',
            description:
              'Requests refused with 503 (E1502) so that the accepted ones stay within their objectives: event_loop when the loop runs late (SHED_EVENT_LOOP_DELAY_MS) or never idles, in_flight at SHED_MAX_IN_FLIGHT. Sustained shedding means the instances need more capacity (docs/rate-limits.md).',
            unit: 'reqps',
            min: 0,
            queries: [{ expr: `sum by (instance, reason) (rate(transmute_shed_requests_total[${RATE_WINDOW}]))`, legend: '{{instance}} {{reason}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Event loop waiting for a core',
            description:
              'Share of time the event loop had work but no core (quarter-second windows on a core for under 3/4 of their busy time): a neighbour or a CPU limit throttling the instance. The load shedder does not cut on one such window alone; sustained, the host is short of CPU.',
            unit: 'percentunit',
            min: 0,
            queries: [{ expr: `rate(transmute_event_loop_starved_seconds_total[${RATE_WINDOW}])`, legend: '{{instance}}' }],
          }),
        )
        .withPanel(
          timeseries({
            title: 'Time in garbage collection',
            description: 'Share of wall-clock time spent collecting garbage, by GC kind.',
            unit: 'percentunit',
            min: 0,
            queries: [{ expr: `sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum[${RATE_WINDOW}]))`, legend: '{{instance}} {{kind}}' }],
          }),
        )
        .withPanel(timeseries({ title: 'CPU', description: 'CPU time used per second (1 = one core).', unit: 'percentunit', min: 0, queries: [{ expr: `rate(process_cpu_seconds_total[${RATE_WINDOW}])`, legend: '{{instance}}' }] }))
        .withRow(new RowBuilder('Process'))
        .withPanel(
          timeseries({
            title: 'Open file descriptors',
            description: 'Sockets and files open, against the process limit.',
            unit: 'short',
            min: 0,
            queries: [
              { expr: 'process_open_fds', legend: '{{instance}} open' },
              { expr: 'process_max_fds', legend: '{{instance}} limit' },
            ],
          }),
        )
        .withPanel(timeseries({ title: 'Active handles', description: 'Handles keeping the event loop alive (sockets, timers).', unit: 'short', min: 0, queries: [{ expr: 'nodejs_active_handles_total', legend: '{{instance}}' }] }))
        .withPanel(
          timeseries({
            title: 'Running builds',
            description: 'Instances per server version, API version and commit: a deploy shows as one series replacing another.',
            unit: 'short',
            min: 0,
            queries: [{ expr: 'count by (version, api_version, commit) (transmute_build_info)', legend: '{{version}} (API {{api_version}}) {{commit}}' }],
          }),
        ),
  });
}
