import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Codec } from './codec.ts';
import { ConversionError } from './errors.ts';
import { flattenRecord, recordBuilder } from './flatten.ts';
import { inferType } from './infer.ts';
import { assertDepth, assertRecordCount } from './limits.ts';
import type { OptionName, ResolvedOptions } from './options.ts';
import { describeValue, documentRecords } from './records.ts';

interface DelimitedFormat {
  name: string;
  media_type: string;
  extensions: string[];
  /** Set when the format fixes its delimiter and ignores the delimiter option. */
  delimiter?: string;
  record_delimiter: string;
}

// csv-parse's own messages quote field values; these say the same without echoing the input.
const PROBLEMS: Record<string, string> = {
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'this row has a different number of fields than the first row',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
  CSV_INVALID_CLOSING_QUOTE: 'unexpected character after a closing quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'unexpected character after a closing quote',
};

// csv-stringify quotes a field holding the record delimiter but not a lone CR or LF; a reader
// would split the record there.
const LINE_BREAK = /[\r\n]/;

function delimitedCodec(format: DelimitedFormat): Codec {
  const delimiterOf = (options: ResolvedOptions) => format.delimiter ?? options.delimiter;
  const delimiterOption: OptionName[] = format.delimiter === undefined ? ['delimiter'] : [];
  return {
    name: format.name,
    media_type: format.media_type,
    extensions: format.extensions,
    tabular: true,
    input_options: [...delimiterOption, 'header', 'flatten', 'flatten_separator', 'infer_types'],
    output_options: [...delimiterOption, 'header', 'flatten', 'flatten_separator'],

    parse(input, options, limits) {
      const headerRows = options.header ? 1 : 0;
      let rows: string[][];
      try {
        rows = parse(input, {
          delimiter: delimiterOf(options),
          record_delimiter: ['\r\n', '\n'],
          skip_empty_lines: true,
          // one record past the limit is enough to know it is exceeded
          to: limits.maxRecords + headerRows + 1,
        }) as string[][];
      } catch (error) {
        throw parseError(format.name, error);
      }
      assertRecordCount(rows.length - headerRows, limits);
      const cells = options.infer_types ? (row: string[]) => row.map(inferType) : (row: string[]) => row;
      if (!options.header) {
        // a list of rows, each a list of cells
        assertDepth(2, limits);
        return rows.map(cells);
      }
      const build = recordBuilder(rows[0] ?? [], options.flatten_separator, options.flatten, limits);
      const records: unknown[] = [];
      for (let i = 1; i < rows.length; i++) records.push(build(cells(rows[i] as string[])));
      return records;
    },

    serialize(records, options) {
      const flat = (records as unknown[]).map((record, index) => {
        if (typeof record !== 'object' || record === null) {
          throw new ConversionError('shape', `record ${index + 1} is ${describeValue(record)}; ${format.name} needs objects (or arrays) as records`);
        }
        return flattenRecord(record, options.flatten_separator, options.flatten);
      });
      const columns = [...new Set(flat.flatMap((cells) => [...cells.keys()]))];
      if (columns.length === 0) return '';
      const rows: string[][] = options.header ? [columns] : [];
      for (const cells of flat) rows.push(columns.map((column) => cellText(cells.get(column))));
      return stringify(rows, {
        delimiter: delimiterOf(options),
        record_delimiter: format.record_delimiter,
        quoted_match: LINE_BREAK,
        // with one column an empty cell would be an empty line, which readers skip
        quoted_empty: columns.length === 1,
      });
    },

    records: documentRecords,
  };
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function parseError(formatName: string, error: unknown): unknown {
  if (!(error instanceof CsvError)) return error;
  const problem = PROBLEMS[error.code] ?? 'malformed input';
  const position = typeof error.lines === 'number' ? { line: error.lines } : undefined;
  return new ConversionError('parse', `invalid ${formatName}: ${problem}`, position);
}

/** RFC 4180: CRLF line ends, fields quoted when they hold the delimiter, a quote or a line break. */
export const csvCodec = delimitedCodec({
  name: 'CSV',
  media_type: 'text/csv',
  extensions: ['csv'],
  record_delimiter: '\r\n',
});

/** Tab-separated values: always a tab, LF line ends, quoted like CSV when a field needs it. */
export const tsvCodec = delimitedCodec({
  name: 'TSV',
  media_type: 'text/tab-separated-values',
  extensions: ['tsv', 'tab'],
  delimiter: '\t',
  record_delimiter: '\n',
});
