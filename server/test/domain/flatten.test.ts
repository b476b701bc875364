import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flattenRecord, recordBuilder } from '../../src/domain/flatten.ts';
import { assertFails, LIMITS } from './fixtures.ts';

describe('flattenRecord', () => {
  test('nested objects become dotted columns and array items indexed ones, in order', () => {
    const cells = flattenRecord({ a: { b: { c: 1 } }, list: ['x', { y: 2 }], z: null }, '.', true);
    assert.deepEqual([...cells], [
      ['a.b.c', 1],
      ['list.0', 'x'],
      ['list.1.y', 2],
      ['z', null],
    ]);
  });

  test('an empty object or array keeps its column with no value', () => {
    assert.deepEqual([...flattenRecord({ o: {}, a: [], n: { e: [] } }, '.', true)], [
      ['o', null],
      ['a', null],
      ['n.e', null],
    ]);
  });

  test('an array record is indexed from 0', () => {
    assert.deepEqual([...flattenRecord(['p', 'q'], '.', true)], [
      ['0', 'p'],
      ['1', 'q'],
    ]);
  });

  test('without flatten nested values stay whole', () => {
    assert.deepEqual([...flattenRecord({ a: { b: 1 } }, '.', false)], [['a', { b: 1 }]]);
  });

  test('two fields that flatten to the same column are refused', () => {
    assertFails(() => flattenRecord({ 'a.b': 1, a: { b: 2 } }, '.', true), { kind: 'shape', message: /"a\.b"/ });
    assert.equal(flattenRecord({ 'a.b': 1, a: { b: 2 } }, '/', true).size, 2);
  });
});

describe('recordBuilder', () => {
  const build = (columns: string[], row: unknown[], separator = '.') => recordBuilder(columns, separator, true, LIMITS)(row);

  test('dotted columns become nested objects', () => {
    assert.deepEqual(build(['id', 'a.b', 'a.c.d'], [1, 2, 3]), { id: 1, a: { b: 2, c: { d: 3 } } });
  });

  test('a level whose keys are exactly 0..n-1 becomes an array, in any column order', () => {
    assert.deepEqual(build(['t.1', 't.0'], ['second', 'first']), { t: ['first', 'second'] });
    assert.deepEqual(build(['p.0.x', 'p.1.x'], [1, 2]), { p: [{ x: 1 }, { x: 2 }] });
  });

  test('other numeric keys stay object keys, and a record is always an object', () => {
    assert.deepEqual(build(['t.1', 't.2'], ['a', 'b']), { t: { 1: 'a', 2: 'b' } });
    assert.deepEqual(build(['t.0', 't.01'], ['a', 'b']), { t: { 0: 'a', '01': 'b' } });
    assert.deepEqual(build(['0', '1'], ['a', 'b']), { 0: 'a', 1: 'b' });
  });

  test('a column with an empty segment keeps its name', () => {
    assert.deepEqual(build(['a..b', '.c', 'd.'], [1, 2, 3]), { 'a..b': 1, '.c': 2, 'd.': 3 });
  });

  test('a multi-character separator', () => {
    assert.deepEqual(build(['a::b', 'a.c'], [1, 2], '::'), { a: { b: 1 }, 'a.c': 2 });
  });

  test('"__proto__" is an ordinary field, not the prototype', () => {
    const record = build(['__proto__.admin', 'x'], [true, 1]);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.deepEqual(Object.keys(record), ['__proto__', 'x']);
    assert.equal(Reflect.get(record, 'admin'), undefined);
    assert.equal(JSON.stringify(record), '{"__proto__":{"admin":true},"x":1}');
  });

  test('a column that is both a value and a parent is refused, in either order', () => {
    assertFails(() => build(['a', 'a.b'], [1, 2]), { kind: 'shape', message: /"a" and "a\.b"/ });
    assertFails(() => build(['a.b.c', 'a.b'], [1, 2]), { kind: 'shape', message: /"a\.b" and "a\.b\.c"/ });
  });

  test('a repeated column is refused', () => {
    assertFails(() => build(['a', 'b', 'a'], [1, 2, 3]), { kind: 'shape', message: /"a" appears twice/ });
  });

  test('depth counts the list of records and the record', () => {
    const limits = { maxDepth: 3, maxRecords: 1 };
    recordBuilder(['a.b'], '.', true, limits);
    assertFails(() => recordBuilder(['a.b.c'], '.', true, limits), { kind: 'limit' });
  });
});
