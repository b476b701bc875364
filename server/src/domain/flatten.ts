import { ConversionError, excerpt } from './errors.ts';
import { assertDepth, type ConversionLimits } from './limits.ts';

/**
 * One record as cells keyed by column. With `flatten`, nested objects become dotted columns
 * (a.b.c) and array items indexed ones (a.0, a.1); an empty object or array keeps its own column
 * with an empty cell. Without it, nested values stay whole (the CSV writer turns them into JSON).
 */
export function flattenRecord(record: object, separator: string, flatten: boolean): Map<string, unknown> {
  const cells = new Map<string, unknown>();
  for (const [key, value] of entriesOf(record)) {
    if (flatten) addFlattened(cells, key, value, separator);
    else cells.set(key, value);
  }
  return cells;
}

function entriesOf(container: object): Iterable<[string, unknown]> {
  return Array.isArray(container) ? container.map((value, index) => [String(index), value]) : Object.entries(container);
}

function addFlattened(cells: Map<string, unknown>, column: string, value: unknown, separator: string): void {
  if (typeof value !== 'object' || value === null) {
    if (cells.has(column)) {
      throw new ConversionError('shape', `two fields both flatten to the column ${excerpt(column)}; choose another flatten_separator`);
    }
    cells.set(column, value);
    return;
  }
  let empty = true;
  for (const [key, child] of entriesOf(value)) {
    empty = false;
    addFlattened(cells, `${column}${separator}${key}`, child, separator);
  }
  if (empty) addFlattened(cells, column, null, separator);
}

interface Leaf {
  column: number;
}
interface Branch {
  children: Map<string, Leaf | Branch>;
  array: boolean;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * The inverse of flattenRecord, compiled once per header: dotted columns become nested objects,
 * and a level whose keys are exactly 0..n-1 becomes an array. A column with an empty segment
 * ("a..b", ".a") keeps its name. Records are always objects, even when every column is a number.
 * Nesting is checked against the limits here, before anything recurses over the header.
 */
export function recordBuilder(
  columns: readonly string[],
  separator: string,
  flatten: boolean,
  limits: ConversionLimits,
): (row: readonly unknown[]) => Record<string, unknown> {
  const root: Branch = { children: new Map(), array: false };
  columns.forEach((name, column) => {
    const split = flatten ? name.split(separator) : [name];
    const path = split.includes('') ? [name] : split;
    // the list of records and the record itself are the first two levels
    assertDepth(path.length + 1, limits);
    let branch = root;
    for (const segment of path.slice(0, -1)) {
      let next = branch.children.get(segment);
      if (next === undefined) {
        next = { children: new Map(), array: false };
        branch.children.set(segment, next);
      } else if (!('children' in next)) {
        throw conflict(columns[next.column] as string, name);
      }
      branch = next;
    }
    const last = path[path.length - 1] as string;
    const existing = branch.children.get(last);
    if (existing !== undefined) {
      throw 'children' in existing
        ? conflict(name, columns[firstColumn(existing)] as string)
        : new ConversionError('shape', `the column ${excerpt(name)} appears twice`);
    }
    branch.children.set(last, { column });
  });
  markArrays(root);
  return (row) => buildObject(root, row);
}

function conflict(outer: string, inner: string): ConversionError {
  return new ConversionError(
    'shape',
    `the columns ${excerpt(outer)} and ${excerpt(inner)} cannot both be nested; set flatten to false to keep dotted names`,
  );
}

function firstColumn(node: Leaf | Branch): number {
  while ('children' in node) node = node.children.values().next().value as Leaf | Branch;
  return node.column;
}

function markArrays(branch: Branch): void {
  for (const node of branch.children.values()) {
    if ('children' in node) {
      node.array = [...node.children.keys()].every((key) => ARRAY_INDEX.test(key) && Number(key) < node.children.size);
      markArrays(node);
    }
  }
}

function buildObject(branch: Branch, row: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, node] of branch.children) setField(record, key, valueOf(node, row));
  return record;
}

function valueOf(node: Leaf | Branch, row: readonly unknown[]): unknown {
  if (!('children' in node)) return row[node.column];
  if (!node.array) return buildObject(node, row);
  const items: unknown[] = new Array(node.children.size);
  for (const [key, child] of node.children) items[Number(key)] = valueOf(child, row);
  return items;
}

/** Plain assignment of "__proto__" would replace the prototype instead of adding a field. */
function setField(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
