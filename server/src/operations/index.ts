// Every operation's handler, keyed by operationId. The router refuses to start unless these keys
// are exactly the spec's operations.
import { apiKeyHandlers } from './api-keys.ts';
import { auditHandlers } from './audit.ts';
import { authHandlers } from './auth.ts';
import { conversionHandlers } from './conversions.ts';
import { dataRightsHandlers } from './data-rights.ts';
import { formatHandlers } from './formats.ts';
import { jobHandlers } from './jobs.ts';
import { meHandlers } from './me.ts';
import { operationHandlers } from './operations.ts';
import { usageHandlers } from './usage.ts';
import { webhookHandlers } from './webhooks.ts';
import type { HandlerMap } from '../http/handler.ts';
import type { Services } from '../services.ts';

export type OperationDeps = Pick<
  Services,
  'config' | 'readiness' | 'identity' | 'oidc' | 'keys' | 'audit' | 'metrics' | 'jobs' | 'webhooks' | 'usageReports' | 'dataRights'
> & { releaseId: string };

export function createHandlers(deps: OperationDeps): HandlerMap {
  return {
    ...formatHandlers(),
    ...conversionHandlers(deps.config.conversion),
    ...authHandlers(deps.identity, deps.oidc),
    ...meHandlers(deps.identity.accounts),
    ...apiKeyHandlers(deps.keys, deps.audit),
    ...auditHandlers(deps.audit),
    ...jobHandlers(deps.jobs),
    ...webhookHandlers(deps.webhooks, deps.audit),
    ...usageHandlers(deps.usageReports),
    ...dataRightsHandlers(deps.dataRights),
    ...operationHandlers(deps.readiness, deps.releaseId, deps.metrics, deps.config.metrics),
  } satisfies HandlerMap;
}
