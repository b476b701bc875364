// The usage parts main.ts wires: the meter (recording, quotas; close() it after the HTTP server)
// and the reports behind GET /v1/usage and its export.
import { UsageStore } from '../db/usage-store.ts';
import { UsageMeter } from './usage-meter.ts';
import { UsageReports } from './usage-reports.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/orm.ts';
import type { Plans } from '../limits/plans.ts';
import type { Logger } from '../observability/logger.ts';

export function createUsage(db: Database, config: Config, plans: Plans, log: Logger): { meter: UsageMeter; reports: UsageReports } {
  const store = new UsageStore(db.orm);
  return { meter: new UsageMeter(store, plans, log, { flushIntervalMs: config.usageFlushIntervalMs }), reports: new UsageReports(store) };
}
