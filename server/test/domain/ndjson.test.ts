import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convert } from '../../src/domain/index.ts';
import { assertFails, documentOf, LIMITS, run } from './fixtures.ts';

describe('ndjson: input', () => {
  test('one value per line, LF or CRLF, blank lines skipped', () => {
    assert.deepEqual(documentOf('ndjson', '{"a":1}\r\n\r\n  \n[2]\n"three"\nnull'), [{ a: 1 }, [2], 'three', null]);
  });

  test('an empty input is no records', () => {
    const { output, stats } = convert('ndjson', 'json', '', {}, LIMITS);
    assert.equal(output, '[]\n');
    assert.equal(stats.records, 0);
  });

  test('a bad line is reported with its own line number and column', () => {
    assertFails(() => run('ndjson', 'json', '{"a":1}\n\n{"a":2}\n{"a" 3}\n'), { kind: 'parse', line: 4, column: 6 });
    assertFails(() => run('ndjson', 'json', '{"a":1}\r\n{"b":x}\r\n'), { kind: 'parse', line: 2, column: 6 });
    assertFails(() => run('ndjson', 'json', '[1,\n2]'), { kind: 'parse', line: 1, column: 4 });
  });
});

describe('ndjson: output', () => {
  test('one compact JSON text per record, each ended by a line break, even with pretty', () => {
    assert.equal(run('json', 'ndjson', '[{"a": [1, 2]}, "x", 3, null]', { pretty: true }), '{"a":[1,2]}\n"x"\n3\nnull\n');
  });

  test('an object is one record and an empty array none', () => {
    assert.equal(run('json', 'ndjson', '{"a": 1}'), '{"a":1}\n');
    assert.equal(run('json', 'ndjson', '[]'), '');
  });
});

describe('ndjson: limits', () => {
  test('more records than allowed are refused', () => {
    const limits = { maxDepth: 5, maxRecords: 2 };
    run('ndjson', 'json', '1\n2\n', {}, limits);
    assertFails(() => run('ndjson', 'json', '1\n2\n3\n', {}, limits), { kind: 'limit', message: /more than 2 records/ });
  });

  test('a record counts one level of depth for the list it is in', () => {
    const limits = { maxDepth: 3, maxRecords: 10 };
    run('ndjson', 'json', '[[1]]\n', {}, limits);
    assertFails(() => run('ndjson', 'json', '[[[1]]]\n', {}, limits), { kind: 'limit' });
  });

  test('a line nested 100000 deep is refused without exhausting the stack', () => {
    assertFails(() => run('ndjson', 'json', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}\n`), { kind: 'limit' });
  });
});
