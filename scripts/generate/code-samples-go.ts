// Go code samples: a whole program calling `client.<Service>.<Method>(ctx, path params…, body,
// params)` as the SDK's generator names them (sdk-go.ts: PascalCase, a `<OperationId>Params` struct
// for the query, `<Method>AutoPaging` for lists). Struct literals follow the Go SDK's own models,
// read from the models.gen.go that oapi-codegen wrote: field names, pointers for optional fields,
// `nullable.Nullable` for nullable ones, `time.Time` for dates. An event stream (`x-event-data`) is
// read as the SDK returns it: a loop over the typed events of the `*EventStream`.
import type { SampleCall } from './code-samples.ts';
import { flat, group, statement, type Doc } from './code-samples-layout.ts';
import { gofmt, pascal } from './sdk-go.ts';
import { camel, eventDataOf, methodName } from './sdk-typescript.ts';

const MODULE = 'github.com/transmute-dev/transmute-go';
const NULLABLE = 'github.com/oapi-codegen/nullable';

type Json = Record<string, any>;

type Declaration = { kind: 'struct'; fields: Map<string, { name: string; type: string }> } | { kind: 'alias' | 'defined'; type: string };

/** The type declarations of models.gen.go: structs by JSON field name, aliases and defined types. */
function goDeclarations(source: string): Map<string, Declaration> {
  const declarations = new Map<string, Declaration>();
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const struct = /^type (\w+) struct \{$/.exec(lines[i]!);
    if (struct) {
      const fields = new Map<string, { name: string; type: string }>();
      for (i++; lines[i] !== '}'; i++) {
        const field = /^\t(\w+)\s+(\S.*?)\s+`[^`]*json:"([^",]+)/.exec(lines[i]!);
        if (field && field[3] !== '-') fields.set(field[3]!, { name: field[1]!, type: field[2]! });
      }
      declarations.set(struct[1]!, { kind: 'struct', fields });
      continue;
    }
    const other = /^type (\w+) (= )?(\S+)$/.exec(lines[i]!);
    if (other) declarations.set(other[1]!, { kind: other[2] ? 'alias' : 'defined', type: other[3]! });
  }
  return declarations;
}

// Types from other packages that models.gen.go names, by what a literal of them is.
const FOREIGN: Record<string, string> = { 'openapi_types.Email': 'string', 'time.Time': 'time' };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const RESERVED = ['client', 'ctx', 'err', 'event', 'iter', 'response', 'result', 'stream', 'context', 'fmt', 'http', 'nullable', 'option', 'time', 'transmute'];

class Program {
  readonly imports = new Set(['context', MODULE]);
  /** Variables declared before the call: values whose address a field takes (`&inferTypes`). */
  readonly declarations: string[] = [];
  readonly names = new Set(RESERVED);
  readonly types: Map<string, Declaration>;
  constructor(types: Map<string, Declaration>) {
    this.types = types;
  }

  name(hint: string): string {
    let name = hint;
    for (let n = 2; this.names.has(name); n++) name = `${hint}${n}`;
    this.names.add(name);
    return name;
  }

  /** The kind of literal a type takes: a local struct's name, 'time', or a basic Go type. */
  underlying(type: string): string {
    if (FOREIGN[type]) return FOREIGN[type]!;
    const declaration = this.types.get(type);
    if (!declaration) return type;
    return declaration.kind === 'struct' ? type : this.underlying(declaration.type);
  }

  qualified(type: string): string {
    if (type.startsWith('*')) return `*${this.qualified(type.slice(1))}`;
    if (type.startsWith('[]')) return `[]${this.qualified(type.slice(2))}`;
    const nullable = /^nullable\.Nullable\[(.+)\]$/.exec(type);
    if (nullable) return `nullable.Nullable[${this.qualified(nullable[1]!)}]`;
    return this.types.has(type) ? `transmute.${type}` : type;
  }

  struct(type: string, value: Record<string, unknown>): Doc {
    const declaration = this.types.get(this.underlying(type));
    if (declaration?.kind !== 'struct') throw new Error(`code samples: ${type} is not a struct of the Go SDK`);
    const items = Object.entries(value).map(([wire, v]) => {
      const field = declaration.fields.get(wire);
      if (!field) throw new Error(`code samples: the Go SDK's ${type} has no field for "${wire}"`);
      return { key: `${field.name}: `, value: this.literal(field.type, v, field.name) };
    });
    return group(`${this.qualified(type)}{`, items, '}');
  }

  /** A literal of `type`; `hint` names a variable when the value's address is needed. */
  literal(type: string, value: unknown, hint: string): Doc {
    if (type.startsWith('*')) {
      const target = type.slice(1);
      const composite = target.startsWith('[]') || target.startsWith('map[') || this.types.get(this.underlying(target))?.kind === 'struct';
      if (composite) return addressOf(this.literal(target, value, hint));
      const name = this.name(hint.replace(/^\w/, (c) => c.toLowerCase()));
      this.declarations.push(`${name} := ${this.typed(target, value)}`);
      return `&${name}`;
    }
    const nullable = /^nullable\.Nullable\[(.+)\]$/.exec(type);
    if (nullable) {
      this.imports.add(NULLABLE);
      return value === null ? `nullable.NewNullNullable[${this.qualified(nullable[1]!)}]()` : `nullable.NewNullableWithValue(${this.typed(nullable[1]!, value)})`;
    }
    if (type.startsWith('[]')) {
      // gofmt -s: an element's type is implied by the slice's.
      const elide = (doc: Doc): Doc => (typeof doc !== 'string' && doc.open === `${this.qualified(type.slice(2))}{` ? { ...doc, open: '{' } : doc);
      return group(`${this.qualified(type)}{`, (value as unknown[]).map((v) => elide(this.literal(type.slice(2), v, hint))), '}');
    }
    if (type === 'map[string]interface{}' || type === 'map[string]any') return dynamic(value);
    const kind = this.underlying(type);
    if (kind === 'time') return this.time(String(value));
    if (this.types.get(kind)?.kind === 'struct') return this.struct(type, value as Record<string, unknown>);
    return typeof value === 'string' ? stringLiteral(value) : JSON.stringify(value);
  }

  /** A literal whose own type is `type` (for `:=` and type inference), not an untyped constant. */
  typed(type: string, value: unknown): string {
    const text = flat(this.literal(type, value, 'value'));
    const defaults = { string: typeof value === 'string', bool: typeof value === 'boolean', int: Number.isInteger(value) };
    if (this.underlying(type) === 'time' || defaults[type as keyof typeof defaults]) return text;
    return `${this.qualified(type)}(${text})`;
  }

  time(text: string): string {
    const parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(text);
    if (!parts) throw new Error(`code samples: ${text} is not an RFC 3339 UTC time (…Z)`);
    this.imports.add('time');
    const [year, month, day, hour, minute, second] = parts.slice(1).map(Number) as [number, number, number, number, number, number];
    return `time.Date(${year}, time.${MONTHS[month - 1]}, ${day}, ${hour}, ${minute}, ${second}, 0, time.UTC)`;
  }

  /** The Go selector of a field path (wire names) inside a model: `Account.Id`. */
  field(model: string, path: string[]): string {
    const [wire, ...rest] = path;
    const declaration = this.types.get(this.underlying(model));
    const field = declaration?.kind === 'struct' && wire !== undefined ? declaration.fields.get(wire) : undefined;
    if (!field) throw new Error(`code samples: the Go SDK's ${model} has no field for "${wire}"`);
    return rest.length ? `${field.name}.${this.field(field.type, rest)}` : field.name;
  }
}

/** A raw string when that saves escaping quotes, else an interpreted one (JSON's escapes are Go's). */
function stringLiteral(text: string): string {
  return text.includes('"') && !/[`\x00-\x1f\x7f]/.test(text) ? `\`${text}\`` : JSON.stringify(text);
}

/** Go literals for values of an `any`: JSON's own types. */
function dynamic(value: unknown): Doc {
  if (Array.isArray(value)) return group('[]any{', value.map(dynamic), '}');
  if (value && typeof value === 'object') return group('map[string]any{', Object.entries(value).map(([k, v]) => ({ key: `${JSON.stringify(k)}: `, value: dynamic(v) })), '}');
  if (typeof value === 'string') return stringLiteral(value);
  return value === null ? 'nil' : JSON.stringify(value);
}

/** `&value`: the address of a composite literal. */
function addressOf(doc: Doc): Doc {
  return typeof doc === 'string' ? `&${doc}` : { ...doc, open: `&${doc.open}` };
}

function importBlock(imports: Set<string>): string {
  const standard = [...imports].filter((i) => !i.includes('.')).sort();
  const others = [...imports].filter((i) => i.includes('.')).sort();
  return ['import (', ...standard.map((i) => `\t"${i}"`), '', ...others.map((i) => `\t"${i}"`), ')'].join('\n');
}

export function renderGo(spec: Json, call: SampleCall, goModels: string): string {
  const { operation, pathParams, body, query, hasQuery, answer } = call;
  const program = new Program(goDeclarations(goModels));
  const method = `client.${pascal(operation.tag)}.${pascal(methodName(operation.operationId, operation.tag))}`;
  const args: Doc[] = ['ctx', ...pathParams.map((p) => stringLiteral(String(p.value)))];
  if (body) args.push(body.required ? program.struct(body.model, body.value) : addressOf(program.struct(body.model, body.value)));
  if (hasQuery) args.push(program.struct(`${pascal(operation.operationId)}Params`, Object.fromEntries(query.map((q) => [q.name, q.value]))));
  const invocation = (suffix = '', extra: Doc[] = []): Doc => group(`${method}${suffix}(`, [...args, ...extra], ')', { hug: true });
  const check = ['if err != nil {', '\tpanic(err)', '}'];

  const lines: string[] = [];
  switch (answer.kind) {
    case 'none':
      lines.push(statement('err := ', invocation(), '', '\t'), ...check);
      break;
    case 'redirect':
      // The answer is the redirect itself: its Location (and cookies) are on the raw response.
      program.imports.add('net/http').add(`${MODULE}/option`);
      lines.push('var response *http.Response', statement('err := ', invocation('', ['option.WithResponseInto(&response)']), '', '\t'), ...check);
      lines.push('fmt.Println(response.Header.Get("Location"))');
      break;
    case 'page': {
      const item = program.name(camel(answer.model));
      lines.push(statement('iter := ', invocation('AutoPaging'), '', '\t'), 'for iter.Next() {', `\t${item} := iter.Current()`, `\tfmt.Println(${item}.${program.field(answer.model, answer.field)})`, '}');
      lines.push('if err := iter.Err(); err != nil {', '\tpanic(err)', '}');
      break;
    }
    case 'model': {
      const name = program.name(camel(answer.model));
      lines.push(statement(`${name}, err := `, invocation(), '', '\t'), ...check, `fmt.Println(${name}.${program.field(answer.model, answer.field)})`);
      break;
    }
    case 'object':
      lines.push(statement('result, err := ', invocation(), '', '\t'), ...check, `fmt.Println(result${answer.field.map((f) => `[${stringLiteral(f)}]`).join('')})`);
      break;
    case 'choice': {
      // One struct with a field per answer model; the field of the status that came back is set.
      const [first] = answer.models;
      lines.push(statement('result, err := ', invocation(), '', '\t'), ...check, `if result.${first} != nil {`, `\tfmt.Println(result.${first}.${program.field(first!, answer.field)})`, '}');
      break;
    }
    case 'text': {
      // An event stream's text is read as the SDK returns it: typed events, as they arrive.
      if (eventDataOf(spec, operation.op)) {
        lines.push(statement('stream, err := ', invocation(), '', '\t'), ...check, 'defer stream.Close()', 'for stream.Next() {', '\tevent := stream.Current()');
        lines.push('\tfmt.Println(event.Event, event.Data)', '}', 'if err := stream.Err(); err != nil {', '\tpanic(err)', '}');
        break;
      }
      const name = program.name(answer.name);
      lines.push(statement(`${name}, err := `, invocation(), '', '\t'), ...check, `fmt.Println(string(${name}))`);
      break;
    }
  }
  if (lines.some((l) => l.includes('fmt.'))) program.imports.add('fmt');
  const statements = ['ctx := context.Background()', 'client := transmute.NewClient() // reads TRANSMUTE_API_KEY from the environment', '', ...program.declarations, ...lines];
  const source = ['package main', '', importBlock(program.imports), '', 'func main() {', ...statements.map((l) => (l ? `\t${l.replace(/\n/g, '\n\t')}` : '')), '}', ''].join('\n');
  return gofmt(source, `code sample ${operation.operationId}`);
}
