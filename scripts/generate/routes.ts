// The route table: everything the server needs to know about an operation, as data.
import { deref, operationsOf, deprecationOf, slaOf, type Operation } from '../lib/spec.ts';
import type { OperationValidators } from './validators.ts';

type Json = Record<string, any>;

/**
 * Which credentials an operation accepts: API keys (with the scopes they must hold) and/or user
 * sessions. Each security scheme says which kind it is with x-credential.
 */
export function securityOf(spec: Json, op: Json): { key: { scopes: string[] } | null; user: boolean } | null {
  const requirements: Json[] = op.security ?? spec.security ?? [];
  if (requirements.length === 0) return null;
  const schemes: Json = spec.components?.securitySchemes ?? {};
  let key: { scopes: string[] } | null = null;
  let user = false;
  for (const requirement of requirements) {
    for (const [name, scopes] of Object.entries<string[]>(requirement)) {
      const kind = schemes[name]?.['x-credential'];
      if (kind === 'user') {
        user = true;
      } else if (kind === 'key') {
        const sorted = [...scopes].sort();
        if (key && key.scopes.join(' ') !== sorted.join(' ')) {
          throw new Error(`${op.operationId}: every API key scheme must require the same scopes`);
        }
        key = { scopes: sorted };
      } else {
        throw new Error(`${op.operationId}: security scheme ${name} has no x-credential (key or user)`);
      }
    }
  }
  return { key, user };
}

export function takesIdempotencyKey(spec: Json, op: Json): boolean {
  return (op.parameters ?? []).some((p: Json) => deref(spec, p).name === 'Idempotency-Key');
}

/**
 * x-secret-once: the operation's success response holds a secret shown only there, and the value
 * is a JSON pointer to the id of the object the secret belongs to. Such a response is never stored
 * for an Idempotency-Key replay (http/idempotency.ts answers E1011 naming the id instead), so the
 * operation must take the key, the pointer must lead to a string in every success body, and an
 * operation taking the key whose success body has a `secret` must say so.
 */
export function secretOnceOf(spec: Json, op: Json, idempotent: boolean): { idPath: string[] } | null {
  const pointer: unknown = op['x-secret-once'];
  const successes = Object.entries<Json>(op.responses ?? {})
    .filter(([status]) => status.startsWith('2'))
    .map(([status, r]) => [status, deref(spec, deref(spec, r).content?.['application/json']?.schema ?? {})] as const);
  if (pointer === undefined) {
    if (idempotent && successes.some(([, schema]) => schema.properties?.secret !== undefined)) {
      throw new Error(`${op.operationId}: a success response holds a secret; declare x-secret-once so an Idempotency-Key replay never stores or returns it`);
    }
    return null;
  }
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) throw new Error(`${op.operationId}: x-secret-once must be a JSON pointer to the id, e.g. /api_key/id`);
  if (!idempotent) throw new Error(`${op.operationId}: x-secret-once needs the IdempotencyKey parameter`);
  const idPath = pointer.slice(1).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
  for (const [status, schema] of successes) {
    const target = idPath.reduce<Json | undefined>((s, name) => (s === undefined ? undefined : deref(spec, s.properties?.[name] ?? {})), schema);
    if (target?.type !== 'string') throw new Error(`${op.operationId}: x-secret-once ${pointer} is not a string in the ${status} response`);
  }
  return { idPath };
}

/** One operation's entry in the route table, without its validators. */
export function routeOf(spec: Json, { operationId, method, path, tag, op }: Operation) {
  const requestBody = op.requestBody ? deref(spec, op.requestBody) : null;
  const idempotent = takesIdempotencyKey(spec, op);
  const route = {
    operationId,
    method: method.toUpperCase(),
    path,
    tag,
    security: securityOf(spec, op),
    bodyLimit: op['x-body-limit'] ?? spec['x-body-limit'],
    requestContentTypes: Object.keys(requestBody?.content ?? {}),
    bodyRequired: requestBody?.required === true,
    sla: slaOf(spec, op),
    rateLimit: { cost: 1, ...spec['x-rate-limit'], ...op['x-rate-limit'] },
    allowUnknownQuery: op['x-allow-unknown-query'] === true,
    idempotent,
    secretOnce: secretOnceOf(spec, op, idempotent),
    quota: (spec.tags ?? []).find((t: Json) => t.name === tag)?.['x-quota'] !== false,
    produces: [
      ...new Set(
        Object.entries<Json>(op.responses ?? {})
          .filter(([status]) => status.startsWith('2'))
          .flatMap(([, r]) => Object.keys(deref(spec, r).content ?? {})),
      ),
    ],
    responseTypes: Object.fromEntries(
      Object.entries<Json>(op.responses ?? {}).map(([status, r]) => [status, Object.keys(deref(spec, r).content ?? {})[0] ?? null]),
    ),
    deprecation: deprecationOf(op),
  };
  if (route.rateLimit.policy === 'plan' && route.security === null) {
    throw new Error(`${operationId}: x-rate-limit policy plan needs credentials to meter; use auth-ip, signup-ip or none`);
  }
  return route;
}

export function generateRoutes(spec: Json, validators: Map<string, OperationValidators>): string {
  const entries = operationsOf(spec).map((operation) => {
    const route = routeOf(spec, operation);
    const v = validators.get(operation.operationId)!;
    const responses = Object.entries(v.responses)
      .map(([status, name]) => `${status}: v.${name}`)
      .join(', ');
    const data = JSON.stringify(route, null, 2).replace(/\n}$/, '');
    const validate = `  "validate": { body: ${v.body ? `v.${v.body}` : 'null'}, params: ${v.params ? `v.${v.params}` : 'null'}, responses: { ${responses} } }`;
    return `${data},\n${validate}\n}`;
  });
  return `import type { ValidateFunction } from 'ajv';
import * as v from './validators.cjs';

export interface RouteDefinition {
  readonly operationId: string;
  readonly method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** The spec's path template, \`{name}\` for parameters. */
  readonly path: string;
  readonly tag: string;
  /** Null when the operation needs no credentials; else which kinds it accepts. */
  readonly security: { readonly key: { readonly scopes: readonly string[] } | null; readonly user: boolean } | null;
  readonly bodyLimit: number;
  readonly requestContentTypes: readonly string[];
  readonly bodyRequired: boolean;
  readonly sla: { readonly p95_ms: number; readonly p99_ms: number; readonly max_error_rate: number };
  /** The limiter that meters the operation and how many units one call costs. */
  readonly rateLimit: { readonly policy: 'plan' | 'auth-ip' | 'signup-ip' | 'none'; readonly cost: number };
  /** Query parameters the spec does not list are ignored instead of refused (provider callbacks). */
  readonly allowUnknownQuery: boolean;
  /** Takes an Idempotency-Key header: a retry with the same key replays the first response. */
  readonly idempotent: boolean;
  /**
   * The success response holds a secret shown once (x-secret-once): it is never stored for a
   * replay, and \`idPath\` leads to the id of the object the secret belongs to.
   */
  readonly secretOnce: { readonly idPath: readonly string[] } | null;
  /** Counts against the plan's monthly quota (its tag's x-quota), refused with E1302 past it. */
  readonly quota: boolean;
  /** Every media type a success may have: what the Accept header must allow (empty: no body). */
  readonly produces: readonly string[];
  /** The media type of each declared response, by status. */
  readonly responseTypes: Readonly<Record<string, string | null>>;
  /**
   * A deprecated operation's x-deprecation.since and x-sunset, RFC 3339 dates (UTC) when deprecation
   * took effect and from which the operation answers 410 (E1013), and x-deprecation.link, the
   * migration note's URL. Null when not deprecated.
   */
  readonly deprecation: { readonly since: string; readonly sunset: string; readonly link: string | null } | null;
  readonly validate: {
    readonly body: ValidateFunction | null;
    readonly params: ValidateFunction | null;
    readonly responses: Readonly<Record<number, ValidateFunction>>;
  };
}

export const routes = [
${entries.join(',\n')}
] as const satisfies readonly RouteDefinition[];

export type OperationId = (typeof routes)[number]['operationId'];

/** Every scope an API key can hold, from the spec's x-scopes. */
export const scopes = ${JSON.stringify(Object.keys(spec.components?.securitySchemes?.ApiKeyHeader?.['x-scopes'] ?? {}))} as const;

export type Scope = (typeof scopes)[number];

export const apiVersion = ${JSON.stringify(spec.info.version)};
`;
}
