// The few panel shapes the dashboards use, so every panel gets what the structural test demands:
// a query, a unit, and the dashboard's data source variable.
import { DashboardCursorSync, DashboardBuilder, DatasourceVariableBuilder, ThresholdsConfigBuilder, ThresholdsMode, type Dashboard, type Panel, type RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode, LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE_UID } from './provisioning.ts';

export const DATASOURCE_VARIABLE = 'datasource';
const DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

export interface Query {
  expr: string;
  legend: string;
}

export interface TimeseriesOptions {
  title: string;
  description: string;
  /** A Grafana unit id: reqps, ops, opm, s, bytes, percentunit, short. */
  unit: string;
  queries: Query[];
  /** Horizontal lines at these values (alert thresholds, objectives), in the panel's unit. */
  lines?: number[];
  min?: number;
}

const LINE_COLOURS = ['orange', 'red', 'dark-red'];

export function timeseries(options: TimeseriesOptions): PanelBuilder {
  const panel = new PanelBuilder()
    .title(options.title)
    .description(options.description)
    .unit(options.unit)
    .datasource(DATASOURCE)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]))
    .targets(
      options.queries.map((q, i) =>
        new DataqueryBuilder()
          .refId(String.fromCharCode(65 + i))
          .datasource(DATASOURCE)
          .expr(q.expr)
          .legendFormat(q.legend)
          .range(),
      ),
    );
  if (options.min !== undefined) panel.min(options.min);
  if (options.lines?.length) {
    const steps = [{ value: null, color: 'green' }, ...options.lines.map((value, i) => ({ value, color: LINE_COLOURS[Math.min(i, LINE_COLOURS.length - 1)]! }))];
    panel.thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps)).thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  return panel;
}

export interface DashboardOptions {
  uid: string;
  title: string;
  description: string;
  build(dashboard: DashboardBuilder): void;
}

/** A dashboard with the data source variable (defaulting to the provisioned one) and stable panel ids. */
export function dashboard(options: DashboardOptions): Dashboard {
  const builder = new DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags(['transmute', 'generated'])
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(new DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Data source').type('prometheus').current({ text: 'Prometheus (Transmute)', value: DATASOURCE_UID }));
  options.build(builder);
  const built = builder.build();
  let id = 0;
  for (const panel of built.panels ?? []) {
    panel.id = ++id;
    for (const nested of (panel as RowPanel).panels ?? []) (nested as Panel).id = ++id;
  }
  return built;
}
