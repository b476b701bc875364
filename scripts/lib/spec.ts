// Reading the spec and walking its operations: the one place the pipeline knows the spec's layout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..');
export const SPEC_PATH = join(ROOT, 'openapi', 'openapi.yaml');
export const ERRORS_PATH = join(ROOT, 'openapi', 'errors.yaml');

export const HTTP_METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

type Json = Record<string, any>;

export interface Sla {
  p95_ms: number;
  p99_ms: number;
  max_error_rate: number;
}

export interface Operation {
  operationId: string;
  method: (typeof HTTP_METHODS)[number];
  path: string;
  tag: string;
  summary: string;
  op: Json;
}

export interface ErrorEntry {
  status: number;
  title: string;
  when: string;
  fix: string;
  /** false: retrying the same request cannot succeed, so the reply says `x-should-retry: false`. */
  retry?: false;
}

export function loadSpec(): Json {
  return parse(readFileSync(SPEC_PATH, 'utf8')) as Json;
}

export function loadErrorCatalog(): Record<string, ErrorEntry> {
  return parse(readFileSync(ERRORS_PATH, 'utf8')) as Record<string, ErrorEntry>;
}

/** Operations in the order the spec lists them, which keeps every generated file stable. */
export function operationsOf(spec: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(spec.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      if (typeof op.operationId !== 'string') throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      out.push({ operationId: op.operationId, method, path, tag: op.tags?.[0] ?? 'default', summary: op.summary ?? '', op });
    }
  }
  return out;
}

/** Resolves a local `$ref` (the spec keeps every reusable piece under components). */
export function deref<T = Json>(spec: Json, node: Json): T {
  let current = node;
  while (current && typeof current.$ref === 'string') {
    const pointer = current.$ref.replace(/^#\//, '').split('/').map((s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    current = pointer.reduce((acc: Json, key: string) => acc?.[key], spec);
    if (current === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
  }
  return current as T;
}

/**
 * Whether a response's body reaches the client as the document it is (text; bytes in Go) rather
 * than as a JSON value to decode and check: a download (`x-download: true` on the response, a job's
 * output, whose schema describes the document, JSON or not as its format is) or a body whose every
 * media type's schema is a string (a CSV export, a web page, an event stream).
 */
export function servedAsIs(spec: Json, response: Json): boolean {
  const resolved = deref(spec, response);
  if (resolved['x-download'] === true) return true;
  const media = Object.values<Json>(resolved.content ?? {});
  return media.length > 0 && media.every((m) => deref(spec, m.schema ?? {}).type === 'string');
}

export function slaOf(spec: Json, op: Json): Sla {
  return { ...(spec['x-sla'] as Sla), ...(op['x-sla'] as Partial<Sla> | undefined) };
}

/**
 * A deprecated operation's dates and migration note, from two extensions: x-sunset, the RFC 3339
 * date string oasdiff also reads (the breaking-change gate lets the operation go from that day on),
 * and our x-deprecation {since, link?}, which oasdiff leaves alone.
 */
export interface Deprecation {
  /** x-deprecation.since, an RFC 3339 full-date: deprecation took effect at its start (UTC), the Deprecation header's moment. */
  since: string;
  /** x-sunset, an RFC 3339 full-date: the operation answers 410 (E1013) from its start (UTC), the Sunset header's moment. */
  sunset: string;
  /** x-deprecation.link: where to read how to move off the operation (Link rel="deprecation"), if anywhere. */
  link: string | null;
}

/**
 * The deprecation of a deprecated operation, null for one that is not. The lint rule
 * (transmute-sunset) checks the dates and link; this refuses only what would make a deprecated
 * route without its dates.
 */
export function deprecationOf(op: Json): Deprecation | null {
  const sunset: unknown = op['x-sunset'];
  const deprecation: Json | undefined = op['x-deprecation'];
  if (op.deprecated !== true) {
    if (sunset !== undefined || deprecation !== undefined) throw new Error(`${op.operationId}: x-sunset or x-deprecation on an operation that is not deprecated`);
    return null;
  }
  if (typeof sunset !== 'string') throw new Error(`${op.operationId}: a deprecated operation needs x-sunset, a date string`);
  if (typeof deprecation?.since !== 'string') throw new Error(`${op.operationId}: a deprecated operation needs x-deprecation with since`);
  return { since: deprecation.since, sunset, link: deprecation.link ?? null };
}

/** What every SDK's deprecation marker says after its "deprecated" (@deprecated, Deprecated:). */
export function deprecationNote(deprecation: Deprecation): string {
  const stops = `Since ${deprecation.since}; from ${deprecation.sunset} the API answers 410 Gone.`;
  return deprecation.link === null ? stops : `${stops} Migration: ${deprecation.link}`;
}
