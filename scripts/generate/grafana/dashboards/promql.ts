// PromQL fragments the dashboards share. $__rate_interval is Grafana's: at least four scrapes.
export const RATE_WINDOW = '$__rate_interval';

const REQUESTS = 'http_request_duration_seconds';

export const requests = (selector = '') => `rate(${REQUESTS}_count${selector}[${RATE_WINDOW}])`;

export const histogramQuantile = (quantile: number, histogram: string, by: string[] = [], selector = '') =>
  `histogram_quantile(${quantile}, sum by (${[...by, 'le'].join(', ')}) (rate(${histogram}_bucket${selector}[${RATE_WINDOW}])))`;

export const latencyQuantile = (quantile: number, by: string[] = [], selector = '') => histogramQuantile(quantile, REQUESTS, by, selector);
