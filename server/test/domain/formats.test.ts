import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeFormats, FORMATS, mediaTypeOf } from '../../src/domain/index.ts';

describe('describeFormats', () => {
  const formats = describeFormats();

  test('lists every format once, in FORMATS order, and each converts to every format', () => {
    assert.deepEqual(
      formats.map((format) => format.id),
      [...FORMATS],
    );
    for (const format of formats) assert.deepEqual(format.converts_to, [...FORMATS]);
  });

  test('describes the options each side reads', () => {
    const byId = Object.fromEntries(formats.map((format) => [format.id, format]));
    assert.deepEqual(byId['csv']?.input_options, ['delimiter', 'header', 'flatten', 'flatten_separator', 'infer_types']);
    assert.deepEqual(byId['csv']?.output_options, ['delimiter', 'header', 'flatten', 'flatten_separator']);
    assert.deepEqual(byId['tsv']?.input_options, ['header', 'flatten', 'flatten_separator', 'infer_types']);
    assert.deepEqual(byId['json']?.output_options, ['pretty']);
    assert.deepEqual(byId['xml']?.output_options, ['pretty', 'xml_root', 'xml_item']);
    assert.deepEqual(byId['yaml']?.input_options, []);
    assert.deepEqual(
      formats.filter((format) => format.tabular).map((format) => format.id),
      ['ndjson', 'csv', 'tsv'],
    );
  });

  test('returns copies the caller may change', () => {
    const first = describeFormats();
    first[0]?.extensions.push('changed');
    assert.ok(!describeFormats()[0]?.extensions.includes('changed'));
  });
});

describe('mediaTypeOf', () => {
  test('gives the registered media types', () => {
    assert.deepEqual(
      FORMATS.map((format) => mediaTypeOf(format)),
      ['application/json', 'application/x-ndjson', 'text/csv', 'text/tab-separated-values', 'application/yaml', 'application/xml'],
    );
  });
});
