import { parseDocument, stringify, type ErrorCode, type YAMLError } from 'yaml';
import type { Codec } from './codec.ts';
import { ConversionError } from './errors.ts';
import { assertWithinLimits, depthLimitError, type ConversionLimits } from './limits.ts';
import { documentRecords } from './records.ts';

// Aliases are the YAML "billion laughs": a few nested anchors expand exponentially. The library's
// guard weighs each anchor's uses (the anchor itself is one) by the aliases nested in it: 50
// lets an anchor be referenced 49 times, ample for configuration files. Reuse of a wide anchor
// within that count is bounded by the value budget given to assertWithinLimits.
const MAX_ALIAS_COUNT = 50;
// Without aliases a document holds at most about one value per character of input; aliases may
// reuse data, but not grow the document more than this much beyond its text.
const EXPANSION_FACTOR = 10;
const EXPANSION_ALLOWANCE = 1000;
const MAX_REASON_LENGTH = 100;
// Library messages that speak to a programmer rather than to the client.
const REASONS: Partial<Record<ErrorCode, string>> = {
  MULTIPLE_DOCS: 'the input holds more than one document',
};

/** YAML 1.2, core schema: no custom or language tags, no YAML 1.1 extras (!!binary, !!set, ...). */
export const yamlCodec: Codec = {
  name: 'YAML',
  media_type: 'application/yaml',
  extensions: ['yaml', 'yml'],
  tabular: false,
  input_options: [],
  output_options: [],
  parse(input, _options, limits) {
    const doc = parseDocument(input, {
      schema: 'core',
      resolveKnownTags: false,
      merge: false,
      uniqueKeys: true,
      // Keeps warnings off the process log, where any client could write. Not 'silent': that
      // also drops the error for an input holding several documents.
      logLevel: 'error',
    });
    const [error] = doc.errors;
    if (error !== undefined) throw yamlError(error, limits);
    const unknownTag = doc.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
    if (unknownTag !== undefined) throw yamlError(unknownTag, limits, 'tags other than the YAML 1.2 core schema are not supported');
    let document: unknown;
    try {
      document = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT, reviver: rejectNonFinite });
    } catch (cause) {
      if (cause instanceof ConversionError) throw cause;
      const exhausted = cause instanceof ReferenceError && cause.message.startsWith('Excessive alias count');
      throw exhausted
        ? new ConversionError('limit', 'the input uses too many aliases (anchors expanding into each other)')
        : new ConversionError('parse', 'invalid YAML: an alias does not resolve');
    }
    assertWithinLimits(document, limits, EXPANSION_FACTOR * input.length + EXPANSION_ALLOWANCE);
    return document;
  },
  serialize(document) {
    // Shared references come from expanded aliases: write them out in full, as JSON would.
    return stringify(document, { aliasDuplicateObjects: false });
  },
  records: documentRecords,
};

function yamlError(error: YAMLError, limits: ConversionLimits, problem?: string): ConversionError {
  // the library's recursion ran out of stack: only nesting far beyond any limit does that
  if (error.code === 'RESOURCE_EXHAUSTION') return depthLimitError(limits);
  const start = error.linePos?.[0];
  const position = start === undefined ? undefined : { line: start.line, column: start.col };
  // The library appends " at line L, column C:" and a copy of the offending lines; keep the first part.
  const reason = problem ?? REASONS[error.code] ?? (error.message.split(/ at line \d+, column \d+/)[0] ?? '').slice(0, MAX_REASON_LENGTH);
  return new ConversionError('parse', `invalid YAML: ${reason}`, position);
}

/** .inf and .nan have no JSON equivalent, and every other format is read as JSON values. */
function rejectNonFinite(_key: unknown, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ConversionError('shape', 'YAML .inf and .nan cannot be converted: JSON has no such numbers');
  }
  return value;
}
