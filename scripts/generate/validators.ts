// Request and response validators compiled from the spec with Ajv at generate time (standalone
// code), so the server never compiles a schema at startup and validation is a plain function call.
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { deref, operationsOf, servedAsIs } from '../lib/spec.ts';

type Json = Record<string, any>;

const JSON_MEDIA = /^application\/([a-z.+-]+\+)?json$/;
const SPEC_ID = 'transmute';

/** Validators each operation gets; names are `<operationId>_<body|params|status>`. */
export interface OperationValidators {
  body: string | null;
  params: string | null;
  responses: Record<string, string>;
}

/** OpenAPI keywords that are not JSON Schema 2020-12 validation keywords. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key.startsWith('x-') || key === 'example' || key === 'discriminator' || key === 'xml' || key === 'externalDocs') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', `${SPEC_ID}#/$defs/`);
    } else if (key === 'properties' || key === '$defs' || key === 'patternProperties') {
      // Property names are data, not keywords: keep every name, convert every value.
      out[key] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v)]));
    } else {
      out[key] = toJsonSchema(value);
    }
  }
  return out;
}

function newAjv(spec: Json, options: Options): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    // Shared components become one function each instead of a copy inside every validator.
    inlineRefs: false,
    code: { source: true, lines: false },
    ...options,
  });
  addFormats.default(ajv);
  ajv.addSchema({ $id: SPEC_ID, $defs: toJsonSchema(spec.components?.schemas ?? {}) as Json });
  return ajv;
}

function paramsSchema(spec: Json, op: Json, pathItem: Json): Json | null {
  const params = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])].map((p: Json) => deref(spec, p));
  const groups: Record<'path' | 'query', Json> = { path: {}, query: {} };
  const required: Record<'path' | 'query', string[]> = { path: [], query: [] };
  for (const p of params) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    groups[p.in as 'path' | 'query'][p.name] = toJsonSchema(p.schema ?? {});
    if (p.required) required[p.in as 'path' | 'query'].push(p.name);
  }
  if (params.length === 0) return null;
  const group = (where: 'path' | 'query') => ({
    type: 'object',
    properties: groups[where],
    required: required[where],
    additionalProperties: where === 'query' && op['x-allow-unknown-query'] === true,
  });
  return { type: 'object', properties: { path: group('path'), query: group('query') }, required: ['path', 'query'] };
}

export function generateValidators(spec: Json): { code: string; declarations: string; names: Map<string, OperationValidators> } {
  // Three instances: bodies get defaults filled in; parameters are coerced from strings;
  // responses are checked as they are, never changed.
  const body = newAjv(spec, { useDefaults: true });
  const params = newAjv(spec, { useDefaults: true, coerceTypes: 'array' });
  const response = newAjv(spec, {});
  const exportsOf = new Map<Ajv2020, Record<string, string>>([[body, {}], [params, {}], [response, {}]]);
  const names = new Map<string, OperationValidators>();

  // A schema that is only a reference to a component is compiled once under the component's
  // name and shared by every operation that uses it (most error responses are one Problem).
  const add = (ajv: Ajv2020, name: string, schema: Json) => {
    const component = /^#\/components\/schemas\/([A-Za-z0-9]+)$/.exec(Object.keys(schema).length === 1 ? (schema.$ref ?? '') : '')?.[1];
    const exported = exportsOf.get(ajv)!;
    const id = component ?? name;
    if (!(id in exported)) {
      ajv.addSchema(component ? { $id: id, $ref: `${SPEC_ID}#/$defs/${component}` } : { $id: id, ...(toJsonSchema(schema) as Json) });
      exported[id] = id;
    }
    return id;
  };

  for (const operation of operationsOf(spec)) {
    const { op, operationId } = operation;
    const entry: OperationValidators = { body: null, params: null, responses: {} };
    const requestBody = op.requestBody ? deref(spec, op.requestBody) : null;
    const bodySchema = requestBody?.content?.['application/json']?.schema;
    if (bodySchema) entry.body = add(body, `${operationId}_body`, bodySchema);
    const ps = paramsSchema(spec, op, spec.paths[operation.path]);
    if (ps) entry.params = add(params, `${operationId}_params`, ps);
    for (const [status, responseRef] of Object.entries<Json>(op.responses ?? {})) {
      const res = deref(spec, responseRef);
      const media = Object.keys(res.content ?? {}).find((m) => JSON_MEDIA.test(m));
      // A document served as is (a job's output in its own format) is streamed, not a value to check.
      if (!media || servedAsIs(spec, res)) continue;
      entry.responses[status] = add(response, `${operationId}_${status}`, res.content[media].schema);
    }
    names.set(operationId, entry);
  }

  // Each instance numbers its functions from the same start: a scope per instance keeps them apart.
  const parts = [...exportsOf].map(([ajv, exported]) => `(function () {\n${standaloneCode.default(ajv, exported)}\n})();`);
  const code = `'use strict';\n${parts.join('\n')}\n`;
  const all = [...exportsOf.values()].flatMap((e) => Object.keys(e)).sort();
  const declarations = [
    "import type { ValidateFunction } from 'ajv';",
    ...all.map((n) => `export declare const ${n}: ValidateFunction;`),
    '',
  ].join('\n');
  return { code, declarations, names };
}
