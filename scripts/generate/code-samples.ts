// Code samples for the API reference: one per operation in TypeScript, Python and Go, written into
// the served spec as `x-codeSamples` (Redocly's convention, which Redoc renders on /docs). Each calls
// the operation through its SDK with the spec's own example data: the path and required query
// parameters' `example`, the request body's first example, and prints what comes back. Names and
// argument conventions come from the SDK generators (sdk-*.ts), and scripts/test/code-samples.test.ts
// type-checks every sample against the three SDKs, so the reference shows no call an SDK lacks.
import { renderGo } from './code-samples-go.ts';
import { renderPython } from './code-samples-python.ts';
import { renderTypeScript } from './code-samples-typescript.ts';
import { deref, operationsOf, servedAsIs, type Operation } from '../lib/spec.ts';

type Json = Record<string, any>;

export interface CodeSample {
  lang: 'TypeScript' | 'Python' | 'Go';
  label: string;
  source: string;
}

/** A parameter or field given in a sample: its example value and the schema it conforms to. */
export interface Argument {
  name: string;
  value: unknown;
  schema: Json;
}

/** What an operation answers, as far as a sample shows it; `field` is the path (wire names) it prints. */
export type Answer =
  | { kind: 'none' }
  | { kind: 'redirect' }
  | { kind: 'text'; name: string }
  | { kind: 'object'; field: string[] }
  | { kind: 'model'; model: string; field: string[] }
  | { kind: 'page'; model: string; field: string[] }
  | { kind: 'choice'; models: string[]; field: string[] };

export interface SampleCall {
  operation: Operation;
  pathParams: Argument[];
  /** The request body's example; `model` is the body schema's name. */
  body: { model: string; required: boolean; value: Record<string, unknown>; schema: Json } | null;
  /** The query parameters a call must give (the optional ones are left out). */
  query: Argument[];
  /** The operation has query parameters at all (Go then takes a params struct). */
  hasQuery: boolean;
  answer: Answer;
}

const refName = (node: Json | undefined): string | undefined => (typeof node?.$ref === 'string' ? node.$ref.split('/').pop() : undefined);

// Names for a text answer by media type; anything else (a job's output in its format) is `output`.
const TEXT_NAMES: Record<string, string> = { 'text/csv': 'csv', 'text/event-stream': 'events', 'text/html': 'html', 'text/plain': 'text' };

function parameterExample(operationId: string, parameter: Json): unknown {
  if (parameter.example !== undefined) return parameter.example;
  const first = Object.values<Json>(parameter.examples ?? {})[0];
  if (first?.value !== undefined) return first.value;
  throw new Error(`${operationId}: the ${parameter.in} parameter ${parameter.name} needs an example for the code samples`);
}

function bodyOf(spec: Json, { operationId, op }: Operation): SampleCall['body'] {
  if (!op.requestBody) return null;
  const requestBody = deref(spec, op.requestBody);
  const media = requestBody.content?.['application/json'] as Json | undefined;
  const model = refName(media?.schema);
  const value = media?.example ?? Object.values<Json>(media?.examples ?? {})[0]?.value;
  if (!media || !model) throw new Error(`${operationId}: the code samples need a JSON request body that is a $ref`);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${operationId}: the request body needs an object example for the code samples`);
  return { model, required: Boolean(requestBody.required), value, schema: deref(spec, media.schema) };
}

/**
 * The field a sample prints: the id, else the first required plain string, else the first required
 * scalar, else the first required field, and inside that one when it is a model of its own.
 */
function displayField(spec: Json, schema: Json): string[] {
  const required: string[] = schema.required ?? Object.keys(schema.properties ?? {});
  const resolved = (name: string): Json => deref(spec, schema.properties?.[name] ?? {});
  const plain = (s: Json): boolean => s.type === 'string' && !s.enum && !s.format;
  const scalar = (s: Json): boolean => ['string', 'integer', 'number', 'boolean'].includes(s.type) || Boolean(s.enum);
  const field = required.find((n) => n === 'id') ?? required.find((n) => plain(resolved(n))) ?? required.find((n) => scalar(resolved(n))) ?? required[0];
  if (!field) throw new Error(`a code sample has no field to print in ${JSON.stringify(schema).slice(0, 80)}`);
  const model = refName(schema.properties[field]);
  return model && resolved(field).properties ? [field, ...displayField(spec, resolved(field))] : [field];
}

function answerOf(spec: Json, { operationId, op }: Operation, paged: boolean): Answer {
  const responses = Object.entries<Json>(op.responses ?? {});
  const success = responses.filter(([status]) => status.startsWith('2')).map(([, response]) => deref(spec, response));
  if (paged) {
    const list = deref(spec, Object.values<Json>(success[0]?.content ?? {})[0]?.schema ?? {});
    const model = refName(list.properties?.data?.items);
    if (!model) throw new Error(`${operationId}: a cursor list needs data items that are a $ref`);
    return { kind: 'page', model, field: displayField(spec, deref(spec, list.properties.data.items)) };
  }
  const media = success.flatMap((response) => Object.entries<Json>(response.content ?? {}));
  if (media.length === 0) return responses.some(([status]) => status.startsWith('3')) ? { kind: 'redirect' } : { kind: 'none' };
  if (success.every((response) => servedAsIs(spec, response))) return { kind: 'text', name: TEXT_NAMES[media[0]![0]] ?? 'output' };
  const models = [...new Set(media.map(([, m]) => refName(m.schema)).filter((name): name is string => name !== undefined))];
  const first = deref(spec, media[0]![1].schema ?? {});
  if (models.length === 0) return { kind: 'object', field: displayField(spec, first) };
  if (models.length === 1) return { kind: 'model', model: models[0]!, field: displayField(spec, first) };
  return { kind: 'choice', models, field: displayField(spec, first) };
}

function sampleCall(spec: Json, operation: Operation): SampleCall {
  const { operationId, path, op } = operation;
  const parameters: Json[] = (op.parameters ?? []).map((p: Json) => deref(spec, p));
  const argument = (p: Json): Argument => ({ name: p.name, value: parameterExample(operationId, p), schema: deref(spec, p.schema ?? {}) });
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const parameter = parameters.find((p) => p.in === 'path' && p.name === name);
    if (!parameter) throw new Error(`${operationId}: no parameter for {${name}}`);
    return argument(parameter);
  });
  const queryParams = parameters.filter((p) => p.in === 'query');
  const paged = queryParams.some((p) => p.name === 'cursor');
  return {
    operation,
    pathParams,
    body: bodyOf(spec, operation),
    query: queryParams.filter((p) => p.required).map(argument),
    hasQuery: queryParams.length > 0,
    answer: answerOf(spec, operation, paged),
  };
}

/** Every operation's samples, keyed by operationId; `goModels` is the Go SDK's models.gen.go. */
export function generateCodeSamples(spec: Json, goModels: string): Map<string, CodeSample[]> {
  const samples = new Map<string, CodeSample[]>();
  for (const operation of operationsOf(spec)) {
    const call = sampleCall(spec, operation);
    samples.set(operation.operationId, [
      { lang: 'TypeScript', label: 'TypeScript', source: renderTypeScript(spec, call) },
      { lang: 'Python', label: 'Python', source: renderPython(spec, call) },
      { lang: 'Go', label: 'Go', source: renderGo(spec, call, goModels) },
    ]);
  }
  return samples;
}

/** A copy of the spec with each operation's samples as its `x-codeSamples`. */
export function withCodeSamples(spec: Json, samples: Map<string, CodeSample[]>): Json {
  const out = structuredClone(spec);
  for (const { operationId, op } of operationsOf(out)) op['x-codeSamples'] = samples.get(operationId);
  return out;
}
