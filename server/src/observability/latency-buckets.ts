// The latency histogram's bucket edges, apart from the metrics so that the dashboard generator
// (scripts/generate/grafana) can check x-sla against them without loading the server.
//
// Objectives come from the spec's x-sla, so there is an edge on every objective and above the
// highest alert threshold (a p95 < 200 ms objective is unmeasurable without a 0.2 s edge). The
// generator refuses an x-sla whose threshold is not an edge here.
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];
