import { describe, test } from 'node:test';
import { assertWithinLimits } from '../../src/domain/limits.ts';
import { assertFails } from './fixtures.ts';

describe('assertWithinLimits', () => {
  const limits = { maxDepth: 2, maxRecords: 3 };

  test('a scalar has depth 0 and every array or object adds one', () => {
    assertWithinLimits('x', { maxDepth: 0, maxRecords: 1 });
    assertFails(() => assertWithinLimits([], { maxDepth: 0, maxRecords: 1 }), { kind: 'limit' });
    assertWithinLimits([{ a: 1 }, [2]], limits);
    assertFails(() => assertWithinLimits([{ a: [1] }], limits), { kind: 'limit', message: /deeper than 2/ });
    assertFails(() => assertWithinLimits({ a: { b: {} } }, limits), { kind: 'limit' });
  });

  test('the deep branch is found wherever it is', () => {
    assertFails(() => assertWithinLimits([1, 2, { a: 'x', b: { c: [] } }], { maxDepth: 3, maxRecords: 3 }), { kind: 'limit' });
  });

  test('only a top-level array counts as records', () => {
    assertFails(() => assertWithinLimits([1, 2, 3, 4], limits), { kind: 'limit', message: /more than 3 records/ });
    assertWithinLimits([[1, 2, 3, 4, 5]], limits);
    assertWithinLimits({ a: [1, 2, 3, 4, 5] }, limits);
  });

  test('a million levels deep is checked without recursion', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    assertFails(() => assertWithinLimits(deep, { maxDepth: 1000, maxRecords: 10 }), { kind: 'limit' });
  });

  test('the value budget stops shared references from expanding without bound', () => {
    const shared = Array.from({ length: 100 }, (_, i) => i);
    const document = Array.from({ length: 100 }, () => shared);
    assertWithinLimits(document, { maxDepth: 5, maxRecords: 100 }, 20_000);
    assertFails(() => assertWithinLimits(document, { maxDepth: 5, maxRecords: 100 }, 5_000), { kind: 'limit' });
  });

  test('the value budget also ends a cycle', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    assertFails(() => assertWithinLimits(cycle, { maxDepth: 1_000_000, maxRecords: 10 }, 1000), { kind: 'limit' });
  });
});
