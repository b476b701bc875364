// Finds the operation for a request's method and path among the routes generated from the spec: a
// path without parameters by one map lookup, the others by one regular expression per template,
// compiled once. Replaces @koa/router, which tested every route's expression and composed a
// middleware chain on each request (make bench's profile). Paths match exactly, case and trailing
// slash included; HEAD is answered by the GET operation (RFC 9110, section 9.3.2).

export type RouteMatch<T> =
  | { found: true; value: T; params: Readonly<Record<string, string>> }
  /** The path exists, with other methods: they are the Allow of a 405. */
  | { found: false; allowed: string };

interface Template<T> {
  /** The spec's path template, e.g. /v1/jobs/{id}. */
  path: string;
  pattern: RegExp;
  names: string[];
  methods: Map<string, T>;
}

const PARAMETER = /\{([^}]+)\}/g;
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

export class RouteTable<T> {
  readonly #exact = new Map<string, Map<string, T>>();
  readonly #templates: Template<T>[] = [];

  add(method: string, path: string, value: T): void {
    const methods = this.#methodsOf(path);
    if (methods.has(method)) throw new Error(`${method} ${path} is routed twice`);
    methods.set(method, value);
  }

  /** Undefined when no route has the path. */
  find(method: string, path: string): RouteMatch<T> | undefined {
    let methods = this.#exact.get(path);
    let params = NO_PARAMS;
    if (methods === undefined) {
      for (const template of this.#templates) {
        const match = template.pattern.exec(path);
        if (match === null) continue;
        methods = template.methods;
        params = paramsOf(template.names, match);
        break;
      }
      if (methods === undefined) return undefined;
    }
    const value = methods.get(method) ?? (method === 'HEAD' ? methods.get('GET') : undefined);
    if (value !== undefined) return { found: true, value, params };
    return { found: false, allowed: allowedMethods(methods) };
  }

  #methodsOf(path: string): Map<string, T> {
    const names = [...path.matchAll(PARAMETER)].map((m) => m[1]!);
    if (names.length === 0) {
      let methods = this.#exact.get(path);
      if (methods === undefined) this.#exact.set(path, (methods = new Map()));
      return methods;
    }
    let template = this.#templates.find((t) => t.path === path);
    if (template === undefined) {
      const source = path.split(PARAMETER).map((part, i) => (i % 2 === 1 ? '([^/]+)' : escapeRegExp(part)));
      this.#templates.push((template = { path, pattern: new RegExp(`^${source.join('')}$`), names, methods: new Map() }));
    }
    return template.methods;
  }
}

function paramsOf(names: string[], match: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    params[name] = decodeSegment(match[i + 1]!);
  });
  return params;
}

/** A segment that is not valid percent-encoding stays as sent, for the parameter's schema to refuse. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function allowedMethods(methods: Map<string, unknown>): string {
  return [...methods.keys()].flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
