import type { Codec } from './codec.ts';
import { csvCodec, tsvCodec } from './csv.ts';
import { jsonCodec } from './json.ts';
import { ndjsonCodec } from './ndjson.ts';
import type { ConversionOptions } from './options.ts';
import { xmlCodec } from './xml.ts';
import { yamlCodec } from './yaml.ts';

export const FORMATS = ['json', 'ndjson', 'csv', 'tsv', 'yaml', 'xml'] as const;
export type Format = (typeof FORMATS)[number];

export const CODECS: Readonly<Record<Format, Codec>> = {
  json: jsonCodec,
  ndjson: ndjsonCodec,
  csv: csvCodec,
  tsv: tsvCodec,
  yaml: yamlCodec,
  xml: xmlCodec,
};

export interface FormatDescription {
  id: Format;
  name: string;
  media_type: string;
  extensions: string[];
  tabular: boolean;
  input_options: (keyof ConversionOptions)[];
  output_options: (keyof ConversionOptions)[];
  converts_to: Format[];
}

/** What GET /v1/formats lists, read off the codec registry. */
export function describeFormats(): FormatDescription[] {
  return FORMATS.map((id) => {
    const codec = CODECS[id];
    return {
      id,
      name: codec.name,
      media_type: codec.media_type,
      extensions: [...codec.extensions],
      tabular: codec.tabular,
      input_options: [...codec.input_options],
      output_options: [...codec.output_options],
      // every input becomes a JSON value and every codec writes one, so every pair converts
      converts_to: [...FORMATS],
    };
  });
}

export function mediaTypeOf(format: Format): string {
  return CODECS[format].media_type;
}
