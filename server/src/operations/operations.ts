// operations: probes, the spec and its reference, for load balancers, operators and tooling.
import spec from '../generated/openapi.json' with { type: 'json' };
import { apiVersion } from '../generated/routes.ts';
import { docsCsp, helmetHeaders } from '../http/security-headers.ts';
import { buildReferencePage } from './reference-page.ts';
import type { Handler } from '../http/handler.ts';
import type { Readiness } from '../observability/readiness.ts';

const RETRY_AFTER_S = '5';

export function operationHandlers(readiness: Readiness, releaseId: string): {
  getHealth: Handler<'getHealth'>;
  getReadiness: Handler<'getReadiness'>;
  getOpenApiDocument: Handler<'getOpenApiDocument'>;
  getApiReference: Handler<'getApiReference'>;
} {
  const identity = { version: apiVersion, releaseId };
  let reference: { html: string; headers: Record<string, string> } | undefined;

  return {
    getHealth: () => ({ status: 200, body: { status: 'pass', ...identity } }),

    getReadiness: async () => {
      if (readiness.shuttingDown) {
        return { status: 503, body: { status: 'fail', ...identity, output: 'shutting down' }, headers: { 'Retry-After': RETRY_AFTER_S } };
      }
      const database = await readiness.databaseCheck();
      const limiter = readiness.limiterCheck();
      const checks = { 'postgresql:responseTime': [database], ...(limiter ? { 'redis:connection': [limiter] } : {}) };
      if (database.status === 'fail') return { status: 503, body: { status: 'fail', ...identity, checks }, headers: { 'Retry-After': RETRY_AFTER_S } };
      return { status: 200, body: { status: limiter?.status === 'warn' ? 'warn' : 'pass', ...identity, checks } };
    },

    getOpenApiDocument: () => ({ status: 200, body: spec as never }),

    getApiReference: () => {
      if (!reference) {
        const page = buildReferencePage(spec);
        const csp = helmetHeaders(docsCsp(page.scriptHashes)).find(([name]) => name === 'Content-Security-Policy');
        reference = { html: page.html, headers: csp ? { [csp[0]]: csp[1] } : {} };
      }
      return { status: 200, body: reference.html, headers: reference.headers };
    },
  };
}
