// operations: probes, the spec and its reference, for load balancers, operators and tooling.
import spec from '../generated/openapi.json' with { type: 'json' };
import { apiVersion } from '../generated/routes.ts';
import { docsCsp, helmetHeaders } from '../http/security-headers.ts';
import { buildReferencePage } from './reference-page.ts';
import type { Handler } from '../http/handler.ts';
import type { Readiness } from '../observability/readiness.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Config } from '../config.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../http/problem.ts';

const RETRY_AFTER_S = '5';

export function operationHandlers(readiness: Readiness, releaseId: string, metrics: Metrics, exposure: Config['metrics']): {
  getHealth: Handler<'getHealth'>;
  getMetrics: Handler<'getMetrics'>;
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

    getMetrics: async ({ ctx }) => {
      if (exposure.exposure === 'off' || exposure.exposure === 'port') throw new ApiError('E1005', 'No operation at GET /metrics.');
      if (exposure.exposure === 'token' && !bearerMatches(ctx.get('authorization'), exposure.token!)) {
        throw new ApiError('E1101', 'Send the metrics token as a bearer token.', { headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
      }
      return { status: 200, body: await metrics.render(), headers: { 'Content-Type': metrics.contentType } };
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

const BEARER = /^Bearer +(.+)$/i;

/**
 * Both sides are hashed before the constant-time comparison, so neither the time taken nor an
 * early length check tells a caller how long the token is or how much of it they guessed.
 */
function bearerMatches(header: string, token: string): boolean {
  const presented = BEARER.exec(header)?.[1];
  return presented !== undefined && timingSafeEqual(sha256(presented), sha256(token));
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();
