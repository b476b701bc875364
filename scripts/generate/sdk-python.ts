// The Python SDK's generated half, beside the hand-written runtime in sdks/python/src/transmute/_*.py
// and helpers in src/transmute/lib: pydantic v2 models by datamodel-code-generator
// (sdk-python-models.ts), and the sync/async resource layer from this template.
// Method names follow the TypeScript SDK's rule (methodName, imported), snake_cased.
import { deref, operationsOf, deprecationNote, deprecationOf, servedAsIs, type Operation } from '../lib/spec.ts';
import { securityOf } from './routes.ts';
import { generatePythonModels } from './sdk-python-models.ts';
import { methodName } from './sdk-typescript.ts';

type Json = Record<string, any>;

export interface GeneratedFile {
  /** Relative to sdks/python/src/transmute. */
  path: string;
  content: string;
}

/** Tags whose classes are extended by a hand-written helper in transmute/lib. */
const EXTENDED_TAGS: ReadonlySet<string> = new Set(['jobs', 'webhooks']);

// Names a field or argument cannot take as is: Python keywords and BaseModel attributes.
const RESERVED = new Set(['from', 'import', 'class', 'def', 'global', 'in', 'is', 'lambda', 'not', 'or', 'and', 'pass', 'return', 'with', 'yield', 'async', 'await', 'for', 'if', 'else', 'while', 'try', 'except', 'raise', 'del', 'as', 'assert', 'break', 'continue', 'elif', 'finally', 'nonlocal', 'None', 'True', 'False', 'json', 'dict', 'copy', 'schema', 'validate', 'construct']);

const pascal = (words: string): string => words.replace(/(?:^|[-_ ])(\w)/g, (_, c: string) => c.toUpperCase());
export const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/-/g, '_');
export const pyName = (name: string): string => (RESERVED.has(name) ? `${name}_` : name.replace(/[^A-Za-z0-9_]/g, '_'));
const literal = (value: unknown): string => JSON.stringify(value);

/**
 * The schema name (`x-event-data`) of every event's data when `op` answers a Server-Sent Events
 * stream, else undefined. Such an operation returns a typed stream of `<name>Event`.
 */
export function eventDataOf(spec: Json, op: Json): string | undefined {
  for (const [code, raw] of Object.entries<Json>(op.responses ?? {})) {
    const name = code.startsWith('2') ? deref(spec, raw).content?.['text/event-stream']?.['x-event-data'] : undefined;
    if (name !== undefined) return String(name);
  }
  return undefined;
}

/** The Python type of a schema in the resource layer, naming the models module's types. */
function pyType(schema: Json): string {
  if (schema.$ref) return `_models.${schema.$ref.split('/').pop()}`;
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes('null')) return `Optional[${pyType({ ...schema, type: types.filter((t) => t !== 'null') })}]`;
  if (schema.oneOf ?? schema.anyOf) return `Union[${(schema.oneOf ?? schema.anyOf).map(pyType).join(', ')}]`;
  if (schema.allOf?.length === 1) return pyType(schema.allOf[0]);
  // An enum stays open, as in the models: a value the server adds later is still accepted.
  if (schema.enum) return `Union[Literal[${schema.enum.map(literal).join(', ')}], str]`;
  if (schema.const !== undefined) return `Literal[${literal(schema.const)}]`;
  const type = types.length === 1 ? types[0] : undefined;
  if (type === 'string') return schema.format === 'date-time' ? 'datetime' : 'str';
  if (type === 'integer') return 'int';
  if (type === 'number') return 'float';
  if (type === 'boolean') return 'bool';
  if (type === 'array') return `List[${schema.items ? pyType(schema.items) : 'Any'}]`;
  if (type === 'object') return 'Dict[str, Any]';
  return 'Any';
}

interface Method {
  name: string;
  operation: Operation;
  /** The body's keyword arguments as a TypedDict, so a helper can take them with `Unpack` and stay in step. */
  params?: string;
  paged: boolean;
  streamed: boolean;
  sync: string;
  async: string;
}

function responseType(spec: Json, op: Json): string {
  const types = new Set<string>();
  for (const [code, raw] of Object.entries<Json>(op.responses ?? {})) {
    if (!code.startsWith('2')) continue;
    const response = deref(spec, raw);
    const [media, content] = Object.entries<Json>(response.content ?? {})[0] ?? [];
    if (!media) types.add('None');
    // A document served as is (a job's output) is text whatever its media type.
    else if (/json/.test(media) && content?.schema && !servedAsIs(spec, response)) types.add(pyType(content.schema));
    else types.add('str');
  }
  const list = [...types];
  return list.length === 0 ? 'None' : list.length === 1 ? list[0]! : `Union[${list.join(', ')}]`;
}

/** The keyword arguments of a body or query: (python name, wire name, type, required). */
type Arg = [string, string, string, boolean];

function inputType(spec: Json, schema: Json): string {
  const resolved = deref(spec, schema);
  if (schema.$ref && (resolved.type === 'object' || resolved.properties)) return `Union[${pyType(schema)}, Dict[str, Any]]`;
  if (resolved.type === 'array' && resolved.items) return `Sequence[${inputType(spec, resolved.items)}]`;
  return pyType(schema);
}

function methodOf(spec: Json, operation: Operation): Method {
  const { operationId, method, path, tag, summary, op } = operation;
  const name = snake(methodName(operationId, tag));
  const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const params = (op.parameters ?? []).map((p: Json) => deref(spec, p));
  const query: Arg[] = params.filter((p: Json) => p.in === 'query').map((p: Json) => [pyName(p.name), p.name, inputType(spec, p.schema ?? {}), Boolean(p.required)]);
  const requestBody = op.requestBody ? deref(spec, op.requestBody) : null;
  const bodySchema = requestBody ? deref(spec, Object.values<Json>(requestBody.content)[0]?.schema ?? {}) : null;
  const body: Arg[] = bodySchema
    ? Object.entries<Json>(bodySchema.properties ?? {}).map(([wire, s]) => [pyName(wire), wire, inputType(spec, s), (bodySchema.required ?? []).includes(wire)])
    : [];
  const paged = query.some(([, wire]) => wire === 'cursor');
  const paramsName = `${pascal(name)}Params`;
  const bodyParams = body.length
    ? `class ${paramsName}(TypedDict):\n    """The body of \`${name}\` (${operationId}) as keyword arguments: \`**params: Unpack[${paramsName}]\`."""\n\n` +
      body.map(([py, , type, required]) => `    ${py}: ${required ? type : `NotRequired[${type}]`}\n`).join('')
    : undefined;
  const args = [...pathParams.map((p) => `${pyName(p)}: str`)];
  const keywords = [...body, ...query].sort((a, b) => Number(b[3]) - Number(a[3]));
  if (keywords.length) args.push('*');
  for (const [py, , type, required] of keywords) args.push(required ? `${py}: ${type}` : `${py}: Union[${type}, NotGiven] = NOT_GIVEN`);
  if (!keywords.length) args.push('*');
  args.push('request_options: Optional[RequestOptions] = None');
  const dict = (list: Arg[]): string => `{${list.map(([py, wire]) => `${literal(wire)}: ${py}`).join(', ')}}`;
  const call = [
    literal(method.toUpperCase()),
    literal(path),
    `path_params={${pathParams.map((p) => `${literal(p)}: ${pyName(p)}`).join(', ')}}`,
    ...(requestBody ? [`body=${dict(body)}`] : []),
    ...(query.length ? [`query=${dict(query)}`] : []),
    `auth=${securityOf(spec, op) !== null ? 'True' : 'False'}`,
    // A documented 3xx (startOidcSignIn's 302) is the answer itself: its Location and Set-Cookie
    // are read from the raw response, so the runtime must neither follow it nor raise on it.
    ...(Object.keys(op.responses ?? {}).some((code) => code.startsWith('3')) ? ['redirect=True'] : []),
    'options=request_options',
  ];
  const line = `${summary.replace(/"""/g, "'''")} (`+ '`' + `${method.toUpperCase()} ${path}` + '`' + `, ${operationId}).`;
  const deprecation = deprecationOf(op);
  // A deprecated method says so in its docstring, and warns each time it is called (stacklevel 2:
  // the warning names the caller's line, not the SDK's).
  const doc = deprecation
    ? `        """${line}\n\n        Deprecated: ${deprecationNote(deprecation).replace(/"""/g, "'''")}\n        """\n` +
      `        warnings.warn(${literal(`${operationId} is deprecated. ${deprecationNote(deprecation)}`)}, DeprecationWarning, stacklevel=2)\n`
    : `        """${line}"""\n`;
  const signature = `(self, ${args.join(', ')})`;
  if (paged) {
    const listSchema = deref(spec, Object.values<Json>(deref(spec, op.responses['200']).content)[0]?.schema ?? {});
    const item = pyType(listSchema.properties.data.items);
    const request = `self._client.request_page(${[...call, `item=${item}`].join(', ')})`;
    return {
      name,
      operation,
      params: bodyParams,
      paged,
      streamed: false,
      sync: `    def ${name}${signature} -> SyncPage[${item}]:\n${doc}        return ${request}\n`,
      async: `    def ${name}${signature} -> AsyncPaginator[${item}]:\n${doc}        return ${request}\n`,
    };
  }
  const eventData = eventDataOf(spec, op);
  if (eventData) {
    const event = `_models.${eventData}Event`;
    const request = `self._client.request_stream(${[...call, `event=${event}`].join(', ')})`;
    return {
      name,
      operation,
      params: bodyParams,
      paged,
      streamed: true,
      sync: `    def ${name}${signature} -> Stream[${event}]:\n${doc}        return cast(${literal(`Stream[${event}]`)}, ${request})\n`,
      async: `    async def ${name}${signature} -> AsyncStream[${event}]:\n${doc}        return cast(${literal(`AsyncStream[${event}]`)}, await ${request})\n`,
    };
  }
  const result = responseType(spec, op);
  const request = `self._client.request(${[...call, `cast_to=${result}`].join(', ')})`;
  return {
    name,
    operation,
    params: bodyParams,
    paged,
    streamed: false,
    sync: `    def ${name}${signature} -> ${result}:\n${doc}        return cast(${literal(result)}, ${request})\n`,
    async: `    async def ${name}${signature} -> ${result}:\n${doc}        return cast(${literal(result)}, await ${request})\n`,
  };
}

function resourceFile(tag: string, methods: Method[]): string {
  const cls = pascal(tag);
  const raw = (prefix: string): string =>
    [
      `class ${prefix}${cls}WithRawResponse:`,
      `    """The same methods, returning the ${prefix ? 'awaitable ' : ''}raw response (status, headers, request_id, parse())."""`,
      '',
      `    def __init__(self, resource: ${prefix}${cls}) -> None:`,
      ...(methods.some((m) => !m.paged) ? methods.filter((m) => !m.paged).map((m) => `        self.${m.name} = ${prefix ? 'async_' : ''}to_raw_response_wrapper(resource.${m.name})`) : ['        pass']),
    ].join('\n');
  return [
    `"""Operations tagged \`${tag}\`."""`,
    'from __future__ import annotations',
    '',
    ...(methods.some((m) => m.sync.includes('warnings.warn(')) ? ['import warnings'] : []),
    'from datetime import datetime',
    'from typing import Any, Dict, List, Optional, Sequence, Union, cast',
    '',
    methods.some((m) => m.params) ? 'from typing_extensions import Literal, NotRequired, TypedDict' : 'from typing_extensions import Literal',
    '',
    'from .._pagination import AsyncPaginator, SyncPage',
    'from .._resource import AsyncAPIResource, SyncAPIResource',
    'from .._response import async_to_raw_response_wrapper, to_raw_response_wrapper',
    ...(methods.some((m) => m.streamed) ? ['from .._streaming import AsyncStream, Stream'] : []),
    'from .._types import NOT_GIVEN, NotGiven, RequestOptions',
    'from ..types import models as _models',
    '',
    '__all__ = ["' + cls + '", "Async' + cls + '"]',
    '',
    '',
    ...methods.filter((m) => m.params).flatMap((m) => [m.params!, '']),
    `class ${cls}(SyncAPIResource):`,
    `    @property`,
    `    def with_raw_response(self) -> ${cls}WithRawResponse:`,
    `        return ${cls}WithRawResponse(self)`,
    '',
    methods.map((m) => m.sync).join('\n'),
    '',
    `class Async${cls}(AsyncAPIResource):`,
    `    @property`,
    `    def with_raw_response(self) -> Async${cls}WithRawResponse:`,
    `        return Async${cls}WithRawResponse(self)`,
    '',
    methods.map((m) => m.async).join('\n'),
    '',
    raw(''),
    '',
    '',
    raw('Async'),
    '',
  ].join('\n');
}

function clientFile(tags: string[]): string {
  const module = (tag: string): string => (EXTENDED_TAGS.has(tag) ? `.lib.${snake(tag)}` : `.resources.${snake(tag)}`);
  const imports = tags.map((tag) => `from ${module(tag)} import Async${pascal(tag)}, ${pascal(tag)}`);
  const fields = (prefix: string): string[] => tags.map((tag) => `        self.${snake(tag)} = ${prefix}${pascal(tag)}(self)`);
  const init = (options: string): string => `    def __init__(self, **options: Unpack[${options}]) -> None:\n        super().__init__(**options)\n`;
  return [
    '"""The Transmute API clients; resources are their attributes, one per tag of the spec."""',
    'from __future__ import annotations',
    '',
    'from typing_extensions import Unpack',
    '',
    'from ._base_client import AsyncClientCore, AsyncClientOptions, ClientOptions, SyncClientCore',
    ...imports,
    '',
    '',
    'class Transmute(SyncClientCore):',
    init('ClientOptions') + fields('').join('\n'),
    '',
    '',
    'class AsyncTransmute(AsyncClientCore):',
    init('AsyncClientOptions') + fields('Async').join('\n'),
    '',
  ].join('\n');
}

export function generatePythonSdk(spec: Json): GeneratedFile[] {
  const operations = operationsOf(spec);
  const events = [...new Set(operations.map(({ op }) => eventDataOf(spec, op)).filter((name): name is string => name !== undefined))];
  const methods = operations.map((operation) => methodOf(spec, operation));
  const byTag = new Map<string, Method[]>();
  for (const m of methods) byTag.set(m.operation.tag, [...(byTag.get(m.operation.tag) ?? []), m]);
  const rows = methods.map((m) => `    ${literal(m.operation.operationId)}: (${literal(snake(m.operation.tag))}, ${literal(m.name)}),`);
  return [
    { path: 'types/__init__.py', content: `"""The API's models, generated from the spec."""\n` },
    { path: 'types/models.py', content: generatePythonModels(spec, events) },
    { path: 'resources/__init__.py', content: `"""The generated resources, one module per tag of the spec."""\n` },
    ...[...byTag].map(([tag, list]) => ({ path: `resources/${snake(tag)}.py`, content: resourceFile(tag, list) })),
    { path: '_client.py', content: clientFile([...byTag.keys()]) },
    { path: '_operations.py', content: `"""Every operationId of the spec and the client attribute and method that call it."""\nOPERATIONS = {\n${rows.join('\n')}\n}\n` },
    { path: '_version.py', content: `"""The spec's info.version, which the SDK's version follows."""\n__version__ = ${literal(spec.info.version)}\n` },
  ];
}
