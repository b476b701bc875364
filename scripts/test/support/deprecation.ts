// An operation deprecated the way README's "Deprecating an operation" says, for the tests that work
// on a copy of the spec: no operation of the spec is deprecated yet.
type Json = Record<string, any>;

/** x-sunset, and x-deprecation's since and link. Typed loosely so a test can write them wrong. */
export interface DeprecationFields {
  sunset: unknown;
  since: unknown;
  link?: unknown;
}

/** An RFC 3339 date `days` from today (UTC). */
export const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Marks an operation deprecated with everything the lint rule transmute-sunset asks for. */
export function deprecate(op: Json, { sunset, since, link }: DeprecationFields): void {
  op.deprecated = true;
  op['x-sunset'] = sunset;
  op['x-deprecation'] = link === undefined ? { since } : { since, link };
  op.responses['410'] = { $ref: '#/components/responses/Retired' };
  for (const [status, response] of Object.entries<Json>(op.responses)) {
    if (!/^[23]/.test(status)) continue;
    for (const name of ['Deprecation', 'Sunset', 'Link']) response.headers[name] = { $ref: `#/components/headers/${name}` };
  }
}
