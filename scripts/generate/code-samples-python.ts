// Python code samples: `client.<resource>.<method>(path params…, keyword=…)` as the SDK's generator
// names them (sdk-python.ts: snake_case, `from_` for a reserved word, body fields and query
// parameters as keyword arguments), with `datetime` where the schema says date-time. An event stream
// (`x-event-data`) is read as the SDK returns it: a `with` block iterating typed events.
import type { SampleCall } from './code-samples.ts';
import { group, singleQuoted, statement, type Doc } from './code-samples-layout.ts';
import { eventDataOf, pyName, snake } from './sdk-python.ts';
import { camel, methodName } from './sdk-typescript.ts';
import { deref } from '../lib/spec.ts';

type Json = Record<string, any>;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

const variable = (model: string): string => snake(camel(model));
const attributes = (path: string[]): string => path.map(pyName).join('.');
const line = (prefix: string, doc: Doc, suffix = ''): string => statement(prefix, doc, suffix, '    ');

class Literals {
  usesDatetime = false;
  readonly spec: Json;
  constructor(spec: Json) {
    this.spec = spec;
  }

  /** `value` as a Python literal; `schema` tells a date-time apart from a string. */
  of(value: unknown, schema: Json): Doc {
    const resolved = deref(this.spec, schema);
    if (typeof value === 'string' && resolved.format === 'date-time') return this.datetime(value);
    // Double quotes, unless the text has a `"` and no `'` (black's choice).
    if (typeof value === 'string') return value.includes('"') && !value.includes("'") ? singleQuoted(value) : JSON.stringify(value);
    if (Array.isArray(value)) return group('[', value.map((v) => this.of(v, resolved.items ?? {})), ']');
    if (value && typeof value === 'object') {
      return group('{', Object.entries(value).map(([k, v]) => ({ key: `${JSON.stringify(k)}: `, value: this.of(v, resolved.properties?.[k] ?? {}) })), '}');
    }
    if (value === null) return 'None';
    if (typeof value === 'boolean') return value ? 'True' : 'False';
    return JSON.stringify(value);
  }

  datetime(text: string): string {
    const parts = RFC3339.exec(text);
    if (!parts) throw new Error(`code samples: ${text} is not an RFC 3339 UTC time (…Z)`);
    this.usesDatetime = true;
    const numbers = parts.slice(1).map(Number);
    while (numbers.length > 4 && numbers.at(-1) === 0) numbers.pop();
    return `datetime(${numbers.join(', ')}, tzinfo=timezone.utc)`;
  }
}

export function renderPython(spec: Json, call: SampleCall): string {
  const { operation, pathParams, body, query, answer } = call;
  const literals = new Literals(spec);
  const method = snake(methodName(operation.operationId, operation.tag));
  const resource = `client.${snake(operation.tag)}`;
  const args: Array<Doc | { key: string; value: Doc }> = pathParams.map((p) => literals.of(p.value, p.schema));
  for (const [name, value] of Object.entries(body?.value ?? {})) args.push({ key: `${pyName(name)}=`, value: literals.of(value, body!.schema.properties?.[name] ?? {}) });
  for (const q of query) args.push({ key: `${pyName(q.name)}=`, value: literals.of(q.value, q.schema) });
  const invocation = (via = ''): Doc => group(`${resource}${via}.${method}(`, args, ')');

  const lines: string[] = [];
  if (eventDataOf(spec, operation.op)) {
    lines.push(line('with ', invocation(), ' as events:'), '    for event in events:', '        print(event.event, event.data)');
    return sample(literals, lines);
  }
  switch (answer.kind) {
    case 'none':
      lines.push(line('', invocation()));
      break;
    case 'redirect':
      // The answer is the redirect itself: its Location (and cookies) are on the raw response.
      lines.push(line('response = ', invocation('.with_raw_response')), 'print(response.headers["location"])');
      break;
    case 'page': {
      const item = variable(answer.model);
      lines.push(line(`for ${item} in `, invocation(), ':'), `    print(${item}.${attributes(answer.field)})`);
      break;
    }
    case 'model': {
      const name = variable(answer.model);
      lines.push(line(`${name} = `, invocation()), `print(${name}.${attributes(answer.field)})`);
      break;
    }
    case 'object':
      lines.push(line('result = ', invocation()), `print(result${answer.field.map((f) => `[${JSON.stringify(f)}]`).join('')})`);
      break;
    case 'choice':
      lines.push(line('result = ', invocation()), 'print(result)');
      break;
    case 'text':
      lines.push(line(`${answer.name} = `, invocation()), `print(${answer.name})`);
      break;
  }
  return sample(literals, lines);
}

function sample(literals: Literals, lines: string[]): string {
  const imports = [...(literals.usesDatetime ? ['from datetime import datetime, timezone', ''] : []), 'from transmute import Transmute'];
  return [...imports, '', 'client = Transmute()  # reads TRANSMUTE_API_KEY from the environment', '', ...lines, ''].join('\n');
}
