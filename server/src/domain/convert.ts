import { CODECS, type Format } from './formats.ts';
import { assertRecordCount, type ConversionLimits } from './limits.ts';
import { resolveOptions, type ConversionOptions, type OptionName } from './options.ts';

export interface ConversionStats {
  input_bytes: number;
  output_bytes: number;
  /** Records read or written for tabular formats and array documents; null for one non-array document. */
  records: number | null;
  duration_ms: number;
}

export interface ConversionResult {
  output: string;
  stats: ConversionStats;
}

const BOM = 0xfeff;

/**
 * Converts `input` from one format to another. Synchronous on purpose: it runs inside the request.
 * Every output ends with a line break. Throws ConversionError for anything the client can fix.
 */
export function convert(from: Format, to: Format, input: string, options: ConversionOptions, limits: ConversionLimits): ConversionResult {
  const started = performance.now();
  const source = CODECS[from];
  const target = CODECS[to];
  const relevant = new Set<OptionName>([...source.input_options, ...target.output_options]);
  const resolved = resolveOptions(options, relevant);
  // a UTF-8 byte order mark carries no data in any of the formats
  const text = input.charCodeAt(0) === BOM ? input.slice(1) : input;
  const document = source.parse(text, resolved, limits);
  let output: string;
  let records: number | null;
  if (target.tabular) {
    const rows = source.records(document);
    assertRecordCount(rows.length, limits);
    output = target.serialize(rows, resolved);
    records = rows.length;
  } else {
    output = target.serialize(document, resolved);
    records = Array.isArray(document) ? document.length : null;
  }
  return {
    output,
    stats: {
      input_bytes: Buffer.byteLength(input),
      output_bytes: Buffer.byteLength(output),
      records,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    },
  };
}
