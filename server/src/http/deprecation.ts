// A deprecated operation (the spec's deprecated: true with x-sunset and x-deprecation) says so on
// every response: Deprecation (RFC 9745), Sunset (RFC 8594) and, with a migration note,
// Link rel="deprecation". From its sunset it answers 410 (E1013) instead. The header values are
// formatted once per route, when the router is built, so a request pays one setHeaders and one
// clock read.
import { ApiError } from './problem.ts';
import type { RouteDefinition } from '../generated/routes.ts';
import type { AppContext } from './context.ts';

export interface Deprecation {
  /** A Map because res.setHeaders takes one (or a Headers), in a single call. */
  readonly headers: Map<string, string>;
  /** Milliseconds since the epoch: the start (UTC) of the sunset day. */
  readonly sunsetAt: number;
  readonly goneDetail: string;
}

export function deprecationOf(route: RouteDefinition): Deprecation | null {
  if (route.deprecation === null) return null;
  const { since, sunset, link } = route.deprecation;
  const sunsetAt = dayStart(sunset, 'x-sunset', route);
  const headers = new Map([
    ['Deprecation', `@${dayStart(since, 'x-deprecation.since', route) / 1000}`],
    ['Sunset', new Date(sunsetAt).toUTCString()],
  ]);
  if (link !== null) headers.set('Link', `<${link}>; rel="deprecation"`);
  const note = link === null ? '' : `; its migration note is ${link}`;
  return { headers, sunsetAt, goneDetail: `${route.method} ${route.path} stopped working on ${sunset}${note}.` };
}

/** Marks the response, or refuses the request once the sunset has passed. */
export function announceDeprecation(ctx: AppContext, deprecation: Deprecation): void {
  ctx.res.setHeaders(deprecation.headers);
  if (Date.now() >= deprecation.sunsetAt) throw new ApiError('E1013', deprecation.goneDetail);
}

/** The lint rule checked the dates; a route table built by hand (a test's) is checked here. */
function dayStart(date: string, field: string, route: RouteDefinition): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) throw new Error(`${route.operationId}: ${field} ${date} is not an RFC 3339 date`);
  return ms;
}
