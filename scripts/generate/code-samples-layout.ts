// Line layout for the code samples' literals and calls, shared by the three languages: a bracketed
// list stays on one line when it fits; else a call whose last argument is a literal opens that literal
// on its own line (prettier's and gofmt's usual shape), and any other list takes one item per line
// with a trailing comma, which TypeScript, Python (black's style) and Go (gofmt requires it) share.

/** An item of a bracketed list: `key` is written as is before the value (`name: `, `name=`, `Name: `). */
export interface Item {
  key?: string;
  value: Doc;
}

export interface Group {
  open: string;
  items: Item[];
  close: string;
  /** A space inside the brackets on one line: `{ a: 1 }` in TypeScript. */
  pad?: boolean;
  /** A call that keeps its arguments on its own line and breaks only its last, literal, one. */
  hug?: boolean;
}

export type Doc = string | Group;

// black's line length; prettier's 80 would break most calls, gofmt sets none.
const WIDTH = 88;

export function group(open: string, items: Array<Doc | Item>, close: string, options: { pad?: boolean; hug?: boolean } = {}): Group {
  return { open, items: items.map((i) => (typeof i === 'string' || 'open' in i ? { value: i } : i)), close, ...options };
}

/** A string in single quotes with JSON's escapes (TypeScript and Python read them alike). */
export function singleQuoted(text: string): string {
  const inner = JSON.stringify(text)
    .slice(1, -1)
    .replace(/\\(.)/g, (escape, c: string) => (c === '"' ? '"' : escape))
    .replace(/'/g, "\\'");
  return `'${inner}'`;
}

/** `doc` on one line. */
export function flat(doc: Doc): string {
  if (typeof doc === 'string') return doc;
  if (doc.items.length === 0) return doc.open + doc.close;
  const space = doc.pad ? ' ' : '';
  return doc.open + space + doc.items.map((i) => (i.key ?? '') + flat(i.value)).join(', ') + space + doc.close;
}

/** `doc` laid out starting at `column` of a line indented by `indent`; `unit` is one indent step. */
export function layout(doc: Doc, indent: string, column: number, unit: string): string {
  const line = flat(doc);
  if (typeof doc === 'string' || column + line.length <= WIDTH) return line;
  const last = doc.items.at(-1);
  if (doc.hug && last && !last.key && typeof last.value !== 'string') {
    const head = doc.open + doc.items.slice(0, -1).map((i) => `${flat(i.value)}, `).join('');
    if (column + head.length + last.value.open.length <= WIDTH) return head + layout(last.value, indent, column + head.length, unit) + doc.close;
  }
  const inner = indent + unit;
  const items = doc.items.map((i) => `${inner}${i.key ?? ''}${layout(i.value, inner, inner.length + (i.key ?? '').length, unit)},`);
  return `${doc.open}\n${items.join('\n')}\n${indent}${doc.close}`;
}

/** A statement: `prefix`, `doc`, `suffix`, on a line indented by `indent`; `unit` is one indent step. */
export function statement(prefix: string, doc: Doc, suffix = '', unit = '  ', indent = ''): string {
  return indent + prefix + layout(doc, indent, indent.length + prefix.length + suffix.length, unit) + suffix;
}
