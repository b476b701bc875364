// Every operation's handler, keyed by operationId. The router refuses to start unless these keys
// are exactly the spec's operations.
import { apiKeyHandlers } from './api-keys.ts';
import { auditHandlers } from './audit.ts';
import { authHandlers } from './auth.ts';
import { conversionHandlers } from './conversions.ts';
import { formatHandlers } from './formats.ts';
import { meHandlers } from './me.ts';
import { operationHandlers } from './operations.ts';
import type { ApiKeyService } from '../auth/api-keys.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import type { HandlerMap } from '../http/handler.ts';
import type { Identity } from '../auth/identity.ts';
import type { OidcService } from '../auth/oidc.ts';
import type { Readiness } from '../observability/readiness.ts';

export interface OperationDeps {
  config: Config;
  readiness: Readiness;
  releaseId: string;
  identity: Identity;
  oidc: OidcService;
  keys: ApiKeyService;
  audit: AuditLog;
}

export function createHandlers(deps: OperationDeps): HandlerMap {
  return {
    ...formatHandlers(),
    ...conversionHandlers(deps.config.conversion),
    ...authHandlers(deps.identity, deps.oidc),
    ...meHandlers(deps.identity.accounts),
    ...apiKeyHandlers(deps.keys, deps.audit),
    ...auditHandlers(deps.audit),
    ...operationHandlers(deps.readiness, deps.releaseId),
  } satisfies HandlerMap;
}
