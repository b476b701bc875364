// The TypeScript SDK's generated half: models from @hey-api/openapi-ts (types only; its client is
// not used) and the resource layer from the operations, beside the hand-written runtime in
// sdks/typescript/src/internal and helpers in src/lib.
//
// Method names, one rule for every operation: take the operationId, drop the first word that names
// the tag's resource (singular or plural: `Job`/`Jobs` under `jobs`, `ApiKey` under `api-keys`,
// `Webhook` under `webhooks`), and call a bare `get` `retrieve`:
//   listJobs → jobs.list · getJob → jobs.retrieve · getJobResult → jobs.getResult ·
//   createConversionBatch → conversions.createBatch · rotateWebhookSecret → webhooks.rotateSecret ·
//   getAccount → me.getAccount (nothing names `me`, so the operationId stays whole).
// Arguments: path parameters in path order, then the body (or the query for a GET), then options.
// An answer that is a `text/event-stream` whose media type names its events' data (`x-event-data:
// Job`) becomes a `Stream<JobEvent>` read as it arrives (src/internal/stream.ts); `JobEvent`, the
// event with that model as its data, is generated into events.ts.
import { createClient } from '@hey-api/openapi-ts';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deref, operationsOf, deprecationNote, deprecationOf, servedAsIs, type Operation } from '../lib/spec.ts';
import { securityOf } from './routes.ts';

type Json = Record<string, any>;

export interface GeneratedFile {
  /** Relative to the SDK's src/generated folder. */
  path: string;
  content: string;
}

/** Tags whose resource class is extended by a hand-written helper in src/lib. */
const EXTENDED_TAGS: ReadonlySet<string> = new Set(['jobs', 'webhooks']);

export const pascal = (words: string): string => words.replace(/(?:^|[-_ ])(\w)/g, (_, c: string) => c.toUpperCase());
export const camel = (words: string): string => pascal(words).replace(/^\w/, (c) => c.toLowerCase());

/** The resource words a tag may appear as inside an operationId: `api-keys` → ApiKeys, ApiKey. */
function tagNouns(tag: string): string[] {
  const plural = pascal(tag);
  return [plural, plural.replace(/s$/, '')];
}

export function methodName(operationId: string, tag: string): string {
  const words = operationId.match(/^[a-z]+|[A-Z][a-z0-9]*/g) ?? [operationId];
  const [verb, ...rest] = words;
  const object = rest.join('');
  const noun = tagNouns(tag).find((n) => object.startsWith(n) && /^(?:[A-Z]|$)/.test(object.slice(n.length)));
  if (!noun) return operationId;
  const name = (verb ?? '') + object.slice(noun.length);
  return name === 'get' ? 'retrieve' : name;
}

/** The schema name of every event's data when the operation answers an event stream, else null. */
export function eventDataOf(spec: Json, op: Json): string | null {
  const media = Object.entries<Json>(op.responses ?? {})
    .filter(([status]) => status.startsWith('2'))
    .map(([, response]) => deref<Json>(spec, response).content?.['text/event-stream'] as Json | undefined)
    .find((m) => m !== undefined);
  const name = media?.['x-event-data'];
  if (name === undefined) return null;
  if (typeof name !== 'string' || !spec.components?.schemas?.[name]) throw new Error(`x-event-data ${JSON.stringify(name)} is not a schema of components/schemas`);
  return name;
}

/** The type of one event whose data is `model`. */
export const eventTypeName = (model: string): string => `${model}Event`;

interface Method {
  name: string;
  operation: Operation;
  code: string;
  /** The model of its events' data, when it answers an event stream. */
  events: string | null;
}

function methodOf(spec: Json, operation: Operation, typeNames: Set<string>): Method {
  const { operationId, method, path, tag, summary, op } = operation;
  const type = pascal(operationId);
  const name = methodName(operationId, tag);
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const query = (op.parameters ?? []).map((p: Json) => deref(spec, p)).filter((p: Json) => p.in === 'query');
  const requestBody = op.requestBody ? deref(spec, op.requestBody) : null;
  const paged = query.some((p: Json) => p.name === 'cursor');
  const events = eventDataOf(spec, op);
  // A document served as is (a job's output, a CSV export) stays text even when its media type is
  // JSON: a download is returned as it came, whatever its format.
  const successes = Object.entries<Json>(op.responses ?? {}).filter(([status]) => status.startsWith('2'));
  const text = !events && successes.length > 0 && successes.every(([, r]) => servedAsIs(spec, r));
  const response = typeNames.has(`${type}Response`) ? `T.${type}Response` : 'unknown';

  const args = pathParams.map((p) => `${p}: string`);
  const spec_ = [`method: '${method.toUpperCase()}'`, `path: '${path}'`];
  if (pathParams.length) spec_.push(`pathParams: { ${pathParams.join(', ')} }`);
  if (requestBody) {
    args.push(requestBody.required ? `body: NonNullable<T.${type}Data['body']>` : `body?: NonNullable<T.${type}Data['body']>`);
    spec_.push('body');
  } else if (query.length) {
    const required = query.some((p: Json) => p.required);
    args.push(required ? `query: NonNullable<T.${type}Data['query']>` : `query: NonNullable<T.${type}Data['query']> = {}`);
    spec_.push('query');
  }
  args.push('options?: RequestOptions');
  // A documented 3xx (startOidcSignIn's 302) is the answer itself, read through withResponse().
  if (Object.keys(op.responses ?? {}).some((status) => status.startsWith('3'))) spec_.push('redirect: true');
  if (text) spec_.push('text: true');
  spec_.push(`auth: ${securityOf(spec, op) !== null}`, 'options');

  const line = `${summary} (\`${method.toUpperCase()} ${path}\`, ${operationId})`;
  const deprecation = deprecationOf(op);
  const comment = (text: string) => text.replace(/\*\//g, '*\\/');
  const doc = deprecation
    ? `  /**\n   * ${comment(line)}\n   *\n   * @deprecated ${comment(deprecationNote(deprecation))}\n   */\n`
    : `  /** ${comment(line)} */\n`;
  const [answer, call] = paged
    ? [`PagePromise<${response}['data'][number]>`, 'requestPage']
    : events
      ? [`APIPromise<Stream<E.${eventTypeName(events)}>>`, `requestStream<T.${events}>`]
      : [`APIPromise<${response}>`, 'request'];
  const code = `${doc}  ${name}(${args.join(', ')}): ${answer} {\n    return this._client.${call}({ ${spec_.join(', ')} });\n  }\n`;
  return { name, operation, code, events };
}

function resourceFile(tag: string, methods: Method[]): string {
  const imports = [
    ...(methods.some((m) => m.code.includes('APIPromise')) ? [`import type { APIPromise } from '../../internal/api-promise.ts';`] : []),
    `import type { RequestOptions } from '../../internal/core.ts';`,
    ...(methods.some((m) => m.code.includes('PagePromise')) ? [`import type { PagePromise } from '../../internal/pagination.ts';`] : []),
    `import { APIResource } from '../../internal/resource.ts';`,
    ...(methods.some((m) => m.events) ? [`import type { Stream } from '../../internal/stream.ts';`, `import type * as E from '../events.ts';`] : []),
    `import type * as T from '../models/index.ts';`,
  ];
  return [...imports, '', `/** Operations tagged \`${tag}\`. */`, `export class ${pascal(tag)} extends APIResource {`, methods.map((m) => m.code).join('\n') + '}', ''].join('\n');
}

function clientFile(tags: string[]): string {
  const imports = tags.map((tag) => `import { ${pascal(tag)} } from '${EXTENDED_TAGS.has(tag) ? `../lib/${tag}.ts` : `./resources/${tag}.ts`}';`);
  const fields = tags.map((tag) => `  readonly ${camel(tag)}: ${pascal(tag)} = new ${pascal(tag)}(this);`);
  return [
    `import { ClientCore } from '../internal/core.ts';`,
    ...imports,
    '',
    '/** The Transmute API client; resources are its properties, one per tag of the spec. */',
    'export class Transmute extends ClientCore {',
    ...fields,
    '}',
    '',
  ].join('\n');
}

function operationsFile(methods: Method[]): string {
  const rows = methods.map((m) => `  ${m.operation.operationId}: ['${camel(m.operation.tag)}', '${m.name}'],`);
  return [
    '/** Every operationId of the spec and the client property and method that call it. */',
    'export const operations = {',
    ...rows,
    '} as const satisfies Record<string, readonly [string, string]>;',
    '',
  ].join('\n');
}

function eventsFile(models: string[], typeNames: Set<string>): string {
  if (models.length === 0) return '// No operation of the spec answers an event stream.\nexport {};\n';
  const types = models.map((model) => {
    const name = eventTypeName(model);
    if (typeNames.has(name)) throw new Error(`the event type ${name} would shadow the model of that name`);
    return `/** An event of a stream whose data is a \`${model}\`. */\nexport type ${name} = ServerSentEvent<T.${model}>;\n`;
  });
  return [`import type { ServerSentEvent } from '../internal/sse.ts';`, `import type * as T from './models/index.ts';`, '', types.join('\n')].join('\n');
}

/**
 * The spec as the models see it: a download's body (`x-download`) is the text the SDK returns, so
 * its response type is a string whatever the schema says of the document in each format.
 */
function downloadsAsText(spec: Json): Json {
  const copy = structuredClone(spec);
  for (const { op } of operationsOf(copy)) {
    for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
      if (!status.startsWith('2') || deref<Json>(copy, response)['x-download'] !== true) continue;
      const text = structuredClone(deref<Json>(copy, response));
      for (const media of Object.values<Json>(text.content ?? {})) media.schema = { type: 'string', description: 'The document, as text.' };
      op.responses[status] = text;
    }
  }
  return copy;
}

async function modelFiles(spec: Json): Promise<GeneratedFile[]> {
  const dir = mkdtempSync(join(tmpdir(), 'transmute-sdk-ts-'));
  try {
    await createClient({ input: downloadsAsText(spec) as never, output: { path: dir, importFileExtension: '.ts' }, plugins: ['@hey-api/typescript'], logs: { level: 'silent' } });
    return readdirSync(dir)
      .sort()
      .map((name) => ({ path: `models/${name}`, content: readFileSync(join(dir, name), 'utf8') }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function generateTypeScriptSdk(spec: Json): Promise<GeneratedFile[]> {
  const models = await modelFiles(spec);
  const typeNames = new Set([...models.flatMap((f) => [...f.content.matchAll(/^export type (\w+)/gm)].map((m) => m[1]!))]);
  const methods = operationsOf(spec).map((operation) => methodOf(spec, operation, typeNames));
  const byTag = new Map<string, Method[]>();
  for (const m of methods) byTag.set(m.operation.tag, [...(byTag.get(m.operation.tag) ?? []), m]);
  for (const [tag, list] of byTag) {
    const seen = new Set<string>();
    for (const m of list) {
      if (seen.has(m.name)) throw new Error(`SDK method ${camel(tag)}.${m.name} would be generated twice`);
      seen.add(m.name);
    }
  }
  return [
    ...models,
    ...[...byTag].map(([tag, list]) => ({ path: `resources/${tag}.ts`, content: resourceFile(tag, list) })),
    { path: 'client.ts', content: clientFile([...byTag.keys()]) },
    { path: 'operations.ts', content: operationsFile(methods) },
    { path: 'events.ts', content: eventsFile([...new Set(methods.flatMap((m) => m.events ?? []))].sort(), typeNames) },
    { path: 'version.ts', content: `/** The spec's info.version, which the SDK's version follows. */\nexport const VERSION = '${spec.info.version}';\n` },
  ];
}
