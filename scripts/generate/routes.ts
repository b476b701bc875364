// The route table: everything the server needs to know about an operation, as data.
import { deref, operationsOf, slaOf } from '../lib/spec.ts';
import type { OperationValidators } from './validators.ts';

type Json = Record<string, any>;

function securityOf(spec: Json, op: Json): { schemes: string[]; scopes: string[] } | null {
  const requirements: Json[] = op.security ?? spec.security ?? [];
  if (requirements.length === 0) return null;
  const schemes = [...new Set(requirements.flatMap((r) => Object.keys(r)))];
  const scopeSets = requirements.flatMap((r) => Object.values<string[]>(r)).map((s) => [...s].sort().join(' '));
  if (new Set(scopeSets).size > 1) {
    throw new Error(`${op.operationId}: every security alternative must require the same scopes`);
  }
  return { schemes, scopes: scopeSets[0] ? scopeSets[0].split(' ') : [] };
}

export function generateRoutes(spec: Json, validators: Map<string, OperationValidators>): string {
  const entries = operationsOf(spec).map(({ operationId, method, path, tag, op }) => {
    const requestBody = op.requestBody ? deref(spec, op.requestBody) : null;
    const v = validators.get(operationId)!;
    const responses = Object.entries(v.responses)
      .map(([status, name]) => `${status}: v.${name}`)
      .join(', ');
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
      responseTypes: Object.fromEntries(
        Object.entries<Json>(op.responses ?? {}).map(([status, r]) => [status, Object.keys(deref(spec, r).content ?? {})[0] ?? null]),
      ),
    };
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
  /** Null when the operation needs no credentials. */
  readonly security: { readonly schemes: readonly string[]; readonly scopes: readonly string[] } | null;
  readonly bodyLimit: number;
  readonly requestContentTypes: readonly string[];
  readonly bodyRequired: boolean;
  readonly sla: { readonly p95_ms: number; readonly p99_ms: number; readonly max_error_rate: number };
  /** The media type of each declared response, by status. */
  readonly responseTypes: Readonly<Record<string, string | null>>;
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
