// TypeScript code samples: `client.<resource>.<method>(path params…, body or query)` as the SDK's
// generator names them (sdk-typescript.ts), awaited, with lists and event streams (`x-event-data`)
// walked by `for await`.
import type { SampleCall } from './code-samples.ts';
import { group, singleQuoted, statement, type Doc } from './code-samples-layout.ts';
import { camel, eventDataOf, methodName } from './sdk-typescript.ts';

type Json = Record<string, any>;

const PACKAGE = '@transmute/sdk';

/** Single quotes, unless the text has a `'` and no `"`. */
function stringLiteral(text: string): string {
  return text.includes("'") && !text.includes('"') ? JSON.stringify(text) : singleQuoted(text);
}

function literal(value: unknown): Doc {
  if (typeof value === 'string') return stringLiteral(value);
  if (Array.isArray(value)) return group('[', value.map(literal), ']');
  if (value && typeof value === 'object') {
    const key = (k: string): string => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : stringLiteral(k));
    return group('{', Object.entries(value).map(([k, v]) => ({ key: `${key(k)}: `, value: literal(v) })), '}', { pad: true });
  }
  return JSON.stringify(value);
}

export function renderTypeScript(spec: Json, call: SampleCall): string {
  const { operation, pathParams, body, query, answer } = call;
  const method = `client.${camel(operation.tag)}.${methodName(operation.operationId, operation.tag)}`;
  const args: Doc[] = pathParams.map((p) => literal(p.value));
  if (body) args.push(literal(body.value));
  else if (query.length) args.push(literal(Object.fromEntries(query.map((q) => [q.name, q.value]))));
  const invocation = group(`${method}(`, args, ')', { hug: true });

  const lines: string[] = [];
  if (eventDataOf(spec, operation.op)) {
    lines.push(statement('const stream = await ', invocation, ';'), 'for await (const event of stream) {', '  console.log(event.event, event.data);', '}');
    return sample(lines);
  }
  switch (answer.kind) {
    case 'none':
      lines.push(statement('await ', invocation, ';'));
      break;
    case 'redirect':
      // The answer is the redirect itself: its Location (and cookies) are on the raw response.
      lines.push(statement('const { response } = await ', invocation, '.withResponse();'), `console.log(response.headers.get('location'));`);
      break;
    case 'page': {
      const item = camel(answer.model);
      lines.push(statement(`for await (const ${item} of `, invocation, ') {'), `  console.log(${item}.${answer.field.join('.')});`, '}');
      break;
    }
    case 'model': {
      const name = camel(answer.model);
      lines.push(statement(`const ${name} = await `, invocation, ';'), `console.log(${name}.${answer.field.join('.')});`);
      break;
    }
    case 'object':
      lines.push(statement('const result = await ', invocation, ';'), `console.log(result.${answer.field.join('.')});`);
      break;
    case 'choice':
      lines.push(statement('const result = await ', invocation, ';'), 'console.log(result);');
      break;
    case 'text':
      lines.push(statement(`const ${answer.name} = await `, invocation, ';'), `console.log(${answer.name});`);
      break;
  }
  return sample(lines);
}

function sample(lines: string[]): string {
  return [`import { Transmute } from '${PACKAGE}';`, '', 'const client = new Transmute(); // reads TRANSMUTE_API_KEY from the environment', '', ...lines, ''].join('\n');
}
