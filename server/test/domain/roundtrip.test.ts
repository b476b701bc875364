// Property-based round trips, each over inputs for which the round trip is defined.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { documentOf, LIMITS, recordsOf, run } from './fixtures.ts';

const RUNS = { numRuns: 200 };

/** Any JSON text, with the value it denotes (-0 is written "0", so it is not the generated value). */
const jsonText = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }).map((value) => JSON.stringify(value));

// XML has no types, no empty-vs-absent distinction for containers and no order between
// differently named children, and it trims text. So: string leaves without surrounding white
// space, objects with lower-case XML-name keys, arrays of two or more items (one item reads back
// as a single element), no empty containers.
const xmlKey = fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/).filter((key) => !['constructor', 'prototype'].includes(key));
const xmlText = fc
  .string({ maxLength: 12, unit: fc.constantFrom('a', ' ', '\n', '\t', '&', '<', '>', ']]>', '"', "'", '&amp;', '&#65;', 'é', '😀') })
  .map((text) => text.trim());
const xmlObject = fc.letrec((tie) => ({
  object: fc.dictionary(xmlKey, tie('value'), { minKeys: 1, maxKeys: 4, noNullPrototype: true }),
  value: fc.oneof(
    { depthSize: 'small' },
    xmlText,
    tie('object'),
    fc.array(fc.oneof(xmlText, tie('object')), { minLength: 2, maxLength: 3 }),
  ),
})).object;

// Flattened CSV gives every record the same columns and only strings back; an array level comes
// back only from indexed columns 0..n-1. So records share one shape (a tree of plain keys)
// and every leaf is a string; cells may hold anything CSV must quote.
type Shape = { [key: string]: Shape | null };
const csvKey = fc.stringMatching(/^[a-z][a-z_ ]{0,6}$/);
const shape: fc.Arbitrary<Shape> = fc.letrec((tie) => ({
  node: fc.dictionary(csvKey, fc.option(tie('node'), { freq: 3, depthSize: 'small' }), { minKeys: 1, maxKeys: 4, noNullPrototype: true }),
})).node as fc.Arbitrary<Shape>;
const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '\t', '"', "'", '\n', '\r', 'é', '😀', '.', '=') });
function recordOf(template: Shape): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(template).map(([key, child]) => [key, child === null ? cell : recordOf(child)]);
  return fc.record(Object.fromEntries(fields) as Record<string, fc.Arbitrary<unknown>>, { noNullPrototype: true });
}
const records = shape.chain((template) => fc.array(recordOf(template), { maxLength: 5 }));

describe('round trips', () => {
  test('json -> yaml -> json', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        assert.deepEqual(documentOf('yaml', run('json', 'yaml', text)), JSON.parse(text));
      }),
      RUNS,
    );
  });

  test('json -> xml -> json for string-valued objects with XML-name keys', () => {
    fc.assert(
      fc.property(xmlObject, fc.boolean(), (value, pretty) => {
        assert.deepEqual(documentOf('xml', run('json', 'xml', JSON.stringify(value), { pretty })), value);
      }),
      RUNS,
    );
  });

  for (const format of ['csv', 'tsv'] as const) {
    test(`records -> ${format} -> records with flatten`, () => {
      fc.assert(
        fc.property(records, (list) => {
          assert.deepEqual(recordsOf(format, run('json', format, JSON.stringify(list))), list);
        }),
        RUNS,
      );
    });
  }

  test('records -> csv -> records with a custom delimiter and separator', () => {
    const options = { delimiter: ';', flatten_separator: '/' };
    fc.assert(
      fc.property(records, (list) => {
        assert.deepEqual(recordsOf('csv', run('json', 'csv', JSON.stringify(list), options), options), list);
      }),
      RUNS,
    );
  });

  test('json array -> ndjson -> json', () => {
    fc.assert(
      fc.property(fc.array(jsonText, { maxLength: 10 }), (texts) => {
        const json = `[${texts.join(',')}]`;
        assert.deepEqual(documentOf('ndjson', run('json', 'ndjson', json)), JSON.parse(json));
      }),
      RUNS,
    );
  });

  test('ndjson -> json -> ndjson gives back the same text', () => {
    fc.assert(
      fc.property(fc.array(jsonText, { maxLength: 10 }), (texts) => {
        const ndjson = texts.map((text) => `${text}\n`).join('');
        assert.equal(run('json', 'ndjson', run('ndjson', 'json', ndjson, {}, LIMITS)), ndjson);
      }),
      RUNS,
    );
  });
});
