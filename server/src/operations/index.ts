// Every operation's handler, keyed by operationId. The router refuses to start unless these keys
// are exactly the spec's operations.
import { conversionHandlers } from './conversions.ts';
import { formatHandlers } from './formats.ts';
import { operationHandlers } from './operations.ts';
import type { Config } from '../config.ts';
import type { HandlerMap } from '../http/handler.ts';
import type { Readiness } from '../observability/readiness.ts';

export interface OperationDeps {
  config: Config;
  readiness: Readiness;
  releaseId: string;
}

export function createHandlers(deps: OperationDeps): HandlerMap {
  return {
    ...formatHandlers(),
    ...conversionHandlers(deps.config.conversion),
    ...operationHandlers(deps.readiness, deps.releaseId),
  } satisfies HandlerMap;
}
