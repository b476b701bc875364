import type { ConversionLimits } from './limits.ts';
import type { OptionName, ResolvedOptions } from './options.ts';

/**
 * One format. Every input parses to a JSON value (the document); tabular codecs parse to and
 * serialize from an array of records. Adding a format is one codec file plus one registry line.
 */
export interface Codec {
  readonly name: string;
  readonly media_type: string;
  readonly extensions: readonly string[];
  readonly tabular: boolean;
  readonly input_options: readonly OptionName[];
  readonly output_options: readonly OptionName[];
  /** Parses and enforces the limits (depth, records) on what it parsed. */
  parse(input: string, options: ResolvedOptions, limits: ConversionLimits): unknown;
  serialize(document: unknown, options: ResolvedOptions): string;
  /** The records a parsed document stands for when it is written to a tabular format. */
  records(document: unknown): unknown[];
}
