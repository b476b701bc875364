// The Grafana side of the wiring: a Prometheus data source with a fixed UID (alert rules cannot
// use a dashboard variable), and a provider that loads the dashboards from the folder beside it.
import { stringify } from 'yaml';

export const DATASOURCE_UID = 'transmute-prometheus';
export const FOLDER = 'Transmute';
/**
 * Where the dashboards are once grafana/provisioning is Grafana's provisioning folder. Absolute
 * because Grafana does not resolve a provider's path against the provider file, and fixed because
 * no environment variable names that folder under every install (docs/monitoring.md).
 */
export const DASHBOARDS_PATH = '/etc/grafana/provisioning/dashboards/transmute';

export function datasourceProvisioning(): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus (Transmute)',
        uid: DATASOURCE_UID,
        type: 'prometheus',
        access: 'proxy',
        // Edit to where Prometheus runs (see docs/monitoring.md).
        url: 'http://localhost:9090',
        // Not the default: an existing Grafana keeps its own default data source.
        isDefault: false,
        jsonData: { timeInterval: '15s' },
        editable: false,
      },
    ],
  });
}

export function dashboardProviderProvisioning(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: 'transmute',
        folder: FOLDER,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: DASHBOARDS_PATH, foldersFromFilesStructure: false },
      },
    ],
  });
}
