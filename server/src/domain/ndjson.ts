import type { Codec } from './codec.ts';
import { parseJson } from './json.ts';
import { assertRecordCount, assertWithinLimits } from './limits.ts';
import { documentRecords } from './records.ts';

const NOT_BLANK = /\S/;

/** One JSON value per line (https://github.com/ndjson/ndjson-spec); blank lines are skipped. */
export const ndjsonCodec: Codec = {
  name: 'Newline-delimited JSON',
  media_type: 'application/x-ndjson',
  extensions: ['ndjson', 'jsonl'],
  tabular: true,
  input_options: [],
  output_options: [],
  parse(input, _options, limits) {
    const records: unknown[] = [];
    let lineNumber = 0;
    for (let start = 0; start < input.length; ) {
      const newline = input.indexOf('\n', start);
      const end = newline === -1 ? input.length : newline;
      const line = input.slice(start, end);
      lineNumber++;
      start = end + 1;
      if (!NOT_BLANK.test(line)) continue;
      records.push(parseJson(line, lineNumber - 1));
      assertRecordCount(records.length, limits);
    }
    assertWithinLimits(records, limits);
    return records;
  },
  serialize(records) {
    let output = '';
    for (const record of records as unknown[]) output += `${JSON.stringify(record)}\n`;
    return output;
  },
  records: documentRecords,
};
