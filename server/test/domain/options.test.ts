import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConversionOptions } from '../../src/domain/index.ts';
import { DEFAULT_OPTIONS, resolveOptions, type OptionName } from '../../src/domain/options.ts';
import { assertFails, run } from './fixtures.ts';

const ALL = new Set(Object.keys(DEFAULT_OPTIONS) as OptionName[]);

describe('resolveOptions', () => {
  test('fills in the defaults', () => {
    assert.deepEqual(resolveOptions({}, ALL), {
      delimiter: ',',
      header: true,
      flatten: true,
      flatten_separator: '.',
      infer_types: false,
      pretty: false,
      xml_root: 'root',
      xml_item: 'item',
    });
  });

  test('keeps valid values', () => {
    const options: ConversionOptions = { delimiter: '|', header: false, flatten_separator: '::', pretty: true, xml_root: 'data', xml_item: 'row' };
    assert.deepEqual(resolveOptions(options, ALL), { ...DEFAULT_OPTIONS, ...options });
  });

  test('a delimiter is one character, not a quote or a line break', () => {
    resolveOptions({ delimiter: '€' }, ALL);
    for (const delimiter of ['', ';;', '"', '\n', '\r']) {
      assertFails(() => resolveOptions({ delimiter }, ALL), { kind: 'option', message: /^option delimiter / });
    }
  });

  test('flatten_separator is 1 to 3 characters', () => {
    resolveOptions({ flatten_separator: '___' }, ALL);
    assertFails(() => resolveOptions({ flatten_separator: '' }, ALL), { kind: 'option', message: /flatten_separator/ });
    assertFails(() => resolveOptions({ flatten_separator: '----' }, ALL), { kind: 'option', message: /flatten_separator/ });
  });

  test('booleans must be booleans', () => {
    for (const name of ['header', 'flatten', 'infer_types', 'pretty'] as const) {
      assertFails(() => resolveOptions({ [name]: 'true' } as unknown as ConversionOptions, ALL), { kind: 'option', message: new RegExp(`${name} must be a boolean`) });
    }
  });

  test('options the conversion does not read are ignored, valid or not', () => {
    const relevant = new Set<OptionName>(['pretty']);
    assert.deepEqual(resolveOptions({ delimiter: 'too long', pretty: true }, relevant), { ...DEFAULT_OPTIONS, pretty: true });
  });
});

describe('options through convert', () => {
  test('each pair validates only the options it reads', () => {
    assert.equal(run('json', 'yaml', '{"a": 1}', { delimiter: 'nonsense', xml_root: '1 2' }), 'a: 1\n');
    assertFails(() => run('json', 'csv', '[]', { delimiter: 'nonsense' }), { kind: 'option' });
    assertFails(() => run('csv', 'json', '', { delimiter: 'nonsense' }), { kind: 'option' });
    assert.equal(run('json', 'tsv', '[]', { delimiter: 'nonsense' }), '');
  });
});
