// Where each section of the archive comes from: one line per source, each reading through the
// service that owns the data and its wire view (so the archive shows exactly what the API shows,
// and never a secret or a hash). Bounds are the spec's maxItems for the section.
import type { AuditLog } from '../audit/audit-log.ts';
import type { AccountService } from '../auth/accounts.ts';
import type { ApiKeyService } from '../auth/api-keys.ts';
import type { Clock } from '../auth/identity.ts';
import type { JobService } from '../jobs/job-service.ts';
import type { UsageReports } from '../usage/usage-reports.ts';
import type { WebhookService } from '../webhooks/webhook-service.ts';
import { allPages, type Collectors, type Sections } from './archive.ts';
import type { ConsentService } from './consents.ts';

export interface ArchiveSources {
  accounts: Pick<AccountService, 'get'>;
  consents: Pick<ConsentService, 'get' | 'history'>;
  keys: Pick<ApiKeyService, 'list'>;
  jobs: Pick<JobService, 'list'>;
  webhooks: Pick<WebhookService, 'list' | 'deliveries'>;
  usage: Pick<UsageReports, 'usage'>;
  audit: Pick<AuditLog, 'list'>;
}

// The spec's maxItems of each section.
const MAX = {
  consentHistory: 100_000,
  apiKeys: 100_000,
  jobs: 1_000_000,
  webhookEndpoints: 100_000,
  webhookDeliveries: 1_000_000,
  usage: 1_000_000,
  auditEvents: 1_000_000,
};
const DAY_MS = 86_400_000;
// The longest range GET /v1/usage answers for.
const USAGE_WINDOW_MS = 366 * DAY_MS;
// Past `now`, so the minute under way is in.
const USAGE_MARGIN_MS = 60_000;

export function archiveCollectors(sources: ArchiveSources, now: Clock): Collectors {
  const endpoints = (accountId: string) => allPages((page) => sources.webhooks.list(accountId, page), MAX.webhookEndpoints);
  return {
    account: (accountId) => sources.accounts.get(accountId),
    consents: async (accountId) => (await sources.consents.get(accountId)).consents,
    consent_history: (accountId) => sources.consents.history(accountId, MAX.consentHistory),
    api_keys: (accountId) => allPages((page) => sources.keys.list(accountId, page), MAX.apiKeys),
    jobs: (accountId) => allPages((page) => sources.jobs.list(accountId, page), MAX.jobs),
    webhook_endpoints: endpoints,
    webhook_deliveries: async (accountId) => {
      let deliveries: Sections['webhook_deliveries'] = [];
      const none = { data: [], next_cursor: null };
      for (const endpoint of await endpoints(accountId)) {
        const left = MAX.webhookDeliveries - deliveries.length;
        if (left <= 0) break;
        deliveries = deliveries.concat(await allPages(async (page) => (await sources.webhooks.deliveries(endpoint.id, accountId, page)) ?? none, left));
      }
      return deliveries;
    },
    usage: async (accountId) => {
      // Day by day since the account's first day, as GET /v1/usage reads it: a year per query.
      const created = Date.parse((await sources.accounts.get(accountId)).created_at);
      const end = now().getTime() + USAGE_MARGIN_MS;
      let rows: Sections['usage'] = [];
      for (let from = created - (created % DAY_MS); from < end && rows.length < MAX.usage; from += USAGE_WINDOW_MS) {
        const range = { from: new Date(from).toISOString(), to: new Date(Math.min(end, from + USAGE_WINDOW_MS)).toISOString() };
        const report = await sources.usage.usage(accountId, { ...range, granularity: 'day' });
        rows = rows.concat(report.data.slice(0, MAX.usage - rows.length));
      }
      return rows;
    },
    audit_events: (accountId) => allPages((page) => sources.audit.list(accountId, page), MAX.auditEvents),
  };
}
