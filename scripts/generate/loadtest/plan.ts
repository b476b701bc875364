// The load plan: which operations a load test may call over and over, the request it sends for
// each (built from the spec's examples) and the objectives it must meet (x-sla). Operations that
// cannot be loaded are listed with the reason, so leaving one out is a visible decision.
import { deref, operationsOf, slaOf, type Operation, type Sla } from '../../lib/spec.ts';
import { securityOf } from '../routes.ts';

type Json = Record<string, any>;

export type AuthKind = 'key' | 'user' | 'none';

export interface PlannedOperation {
  operation_id: string;
  tag: string;
  method: string;
  /** The path to request, query string included. */
  path: string;
  auth: AuthKind;
  headers: Record<string, string>;
  /** The request body as sent, or null. */
  body: string | null;
  /** The success status the spec declares. */
  expected_status: number;
  sla: Sla;
}

export interface SkippedOperation {
  operation_id: string;
  reason: string;
}

export interface LoadPlan {
  api_version: string;
  operations: PlannedOperation[];
  skipped: SkippedOperation[];
  /** Relative weight of each planned operation in the mixed scenario (loadtest/mix.yaml). */
  mix: Record<string, number>;
}

/** Why an operation cannot be repeated thousands of times a second by one client, or undefined. */
function unsafeBecause(spec: Json, { op, method, path }: Operation): string | undefined {
  const rateLimit = { ...spec['x-rate-limit'], ...op['x-rate-limit'] };
  if (rateLimit.policy === 'auth-ip' || rateLimit.policy === 'signup-ip') {
    return `limited per client IP by design (x-rate-limit ${rateLimit.policy}): one load generator is refused with 429`;
  }
  if (/\{[^}]+\}/.test(path)) return 'needs an existing object (path parameter): its id is only known at run time';
  const security = securityOf(spec, op);
  if (security === null && op.responses?.['401']) return 'guarded by credentials outside the spec (configuration decides): it answers 401 or 404 here';
  const parameters: Json[] = (op.parameters ?? []).map((p: Json) => deref(spec, p));
  if (method !== 'get') {
    // DESIGN.md: every POST that creates takes an Idempotency-Key, so a write without one creates nothing.
    if (parameters.some((p) => p.name === 'Idempotency-Key')) return 'creates an object on every call';
    if (security !== null && security.key === null) return "changes the signed-in user's account";
  }
  const missing = parameters.filter((p) => p.in === 'query' && p.required && exampleOf(p) === undefined).map((p) => p.name);
  if (missing.length > 0) return `required query parameters without an example: ${missing.join(', ')}`;
  return undefined;
}

function exampleOf(node: Json): unknown {
  if (node.example !== undefined) return node.example;
  const first = Object.values<Json>(node.examples ?? {})[0];
  if (first !== undefined) return first.value;
  return node.schema?.example;
}

function authOf(spec: Json, op: Json): AuthKind {
  const security = securityOf(spec, op);
  if (security === null) return 'none';
  return security.key !== null ? 'key' : 'user';
}

function requestOf(spec: Json, op: Json): { headers: Record<string, string>; body: string | null } {
  if (!op.requestBody) return { headers: {}, body: null };
  const [type, media] = Object.entries<Json>(deref(spec, op.requestBody).content ?? {})[0] ?? [];
  if (type === undefined || media === undefined) return { headers: {}, body: null };
  const example = exampleOf(deref(spec, media));
  if (example === undefined) throw new Error(`${op.operationId}: the ${type} request body has no example to load with`);
  return { headers: { 'content-type': type }, body: typeof example === 'string' ? example : JSON.stringify(example) };
}

function pathWithQuery(spec: Json, path: string, op: Json): string {
  const query = new URLSearchParams();
  for (const parameter of (op.parameters ?? []).map((p: Json) => deref(spec, p))) {
    if (parameter.in === 'query' && parameter.required) query.set(parameter.name, String(exampleOf(parameter)));
  }
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

function successStatus(op: Json): number {
  const status = Object.keys(op.responses ?? {}).find((s) => /^2\d\d$/.test(s));
  if (status === undefined) throw new Error(`${op.operationId} declares no 2xx response`);
  return Number(status);
}

export function buildLoadPlan(spec: Json, mix: Record<string, number>): LoadPlan {
  const operations: PlannedOperation[] = [];
  const skipped: SkippedOperation[] = [];
  for (const operation of operationsOf(spec)) {
    const { operationId, op, method, path, tag } = operation;
    const reason = unsafeBecause(spec, operation);
    if (reason !== undefined) {
      skipped.push({ operation_id: operationId, reason });
      continue;
    }
    operations.push({
      operation_id: operationId,
      tag,
      method: method.toUpperCase(),
      path: pathWithQuery(spec, path, op),
      auth: authOf(spec, op),
      ...requestOf(spec, op),
      expected_status: successStatus(op),
      sla: slaOf(spec, op),
    });
  }
  const planned = new Set(operations.map((o) => o.operation_id));
  for (const [operationId, weight] of Object.entries(mix)) {
    if (!planned.has(operationId)) throw new Error(`loadtest/mix.yaml: ${operationId} is not an operation the plan can load`);
    if (!Number.isInteger(weight) || weight < 1) throw new Error(`loadtest/mix.yaml: ${operationId} must have a positive whole weight`);
  }
  return { api_version: String(spec.info.version), operations, skipped, mix };
}
