import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertFails, documentOf, run } from './fixtures.ts';

describe('csv: RFC 4180 input', () => {
  test('quoted fields hold delimiters, doubled quotes and line breaks', () => {
    const input = 'name,quote\r\n"Smith, J.","He said ""no""\r\nand left"\r\nplain,""\r\n';
    assert.deepEqual(documentOf('csv', input), [
      { name: 'Smith, J.', quote: 'He said "no"\r\nand left' },
      { name: 'plain', quote: '' },
    ]);
  });

  test('LF, CRLF and a missing final line break read the same', () => {
    const expected = [{ a: '1', b: '2' }, { a: '3', b: '4' }];
    assert.deepEqual(documentOf('csv', 'a,b\n1,2\n3,4\n'), expected);
    assert.deepEqual(documentOf('csv', 'a,b\r\n1,2\r\n3,4\r\n'), expected);
    assert.deepEqual(documentOf('csv', 'a,b\n1,2\r\n3,4'), expected);
  });

  test('a UTF-8 byte order mark is not part of the first column name', () => {
    assert.deepEqual(documentOf('csv', '\uFEFFid,name\n1,Ada\n'), [{ id: '1', name: 'Ada' }]);
  });

  test('blank lines are skipped', () => {
    assert.deepEqual(documentOf('csv', 'a,b\n\n1,2\n\n'), [{ a: '1', b: '2' }]);
  });

  test('a header alone is no records, and so is an empty input', () => {
    assert.deepEqual(documentOf('csv', 'a,b\r\n'), []);
    assert.deepEqual(documentOf('csv', ''), []);
  });
});

describe('csv: parse errors carry the line', () => {
  test('a ragged row', () => {
    assertFails(() => run('csv', 'json', 'a,b\n1,2\n3\n4,5\n'), { kind: 'parse', line: 3, message: /different number of fields/ });
    assertFails(() => run('csv', 'json', 'a,b\n1,2,3\n'), { kind: 'parse', line: 2 });
  });

  test('a quote that is never closed', () => {
    assertFails(() => run('csv', 'json', 'a,b\n1,"2\n3,4\n'), { kind: 'parse', message: /never closed/ });
  });

  test('a quote inside an unquoted field, and text after a closing quote', () => {
    assertFails(() => run('csv', 'json', 'a,b\n1,2"x\n'), { kind: 'parse', line: 2 });
    assertFails(() => run('csv', 'json', 'a,b\n\n1,"2"x\n'), { kind: 'parse', line: 3 });
  });

  test('a TSV error says TSV', () => {
    assertFails(() => run('tsv', 'json', 'a\tb\n1\n'), { kind: 'parse', line: 2, message: /^invalid TSV: / });
  });
});

describe('csv: output', () => {
  test('CRLF line ends; quoting only where RFC 4180 needs it, including a lone LF or CR', () => {
    const records = [{ a: 'x,y', b: 'say "hi"', c: 'one\ntwo', d: 'cr\rhere', e: 'plain' }];
    assert.equal(run('json', 'csv', JSON.stringify(records)), 'a,b,c,d,e\r\n"x,y","say ""hi""","one\ntwo","cr\rhere",plain\r\n');
  });

  test('columns are the union of keys in first-seen order; missing and null values are empty', () => {
    const records = [{ b: 1, a: null }, { c: true, b: 2 }, {}];
    assert.equal(run('json', 'csv', JSON.stringify(records)), 'b,a,c\r\n1,,\r\n2,,true\r\n,,\r\n');
  });

  test('a single column writes an empty value as "" so the row is not a blank line', () => {
    const csv = run('json', 'csv', '[{"a": "x"}, {"a": ""}, {"a": "y"}]');
    assert.equal(csv, 'a\r\nx\r\n""\r\ny\r\n');
    assert.deepEqual(documentOf('csv', csv), [{ a: 'x' }, { a: '' }, { a: 'y' }]);
  });

  test('TSV uses tabs and LF whatever the delimiter option says', () => {
    assert.equal(run('json', 'tsv', '[{"a": "1", "b": "x\\ty"}]', { delimiter: ';' }), 'a\tb\n1\t"x\ty"\n');
    assert.deepEqual(documentOf('tsv', 'a\tb\n1;2\t3\n', { delimiter: ';' }), [{ a: '1;2', b: '3' }]);
  });

  test('records must be objects or arrays', () => {
    assertFails(() => run('json', 'csv', '[{"a": 1}, 2]'), { kind: 'shape', message: /record 2 is a number/ });
    assertFails(() => run('ndjson', 'tsv', '{"a":1}\nnull\n'), { kind: 'shape', message: /record 2 is null/ });
  });

  test('no records is an empty output', () => {
    assert.equal(run('json', 'csv', '[]'), '');
  });
});

describe('csv: options', () => {
  test('delimiter applies to input and output', () => {
    assert.deepEqual(documentOf('csv', 'a;b\n"1;2";3\n', { delimiter: ';' }), [{ a: '1;2', b: '3' }]);
    assert.equal(run('json', 'csv', '[{"a": "1;2", "b": "3,4"}]', { delimiter: ';' }), 'a;b\r\n"1;2";3,4\r\n');
  });

  test('header: false reads rows as arrays of strings and writes no header row', () => {
    assert.deepEqual(documentOf('csv', 'a,b\n1,2\n', { header: false }), [['a', 'b'], ['1', '2']]);
    assert.equal(run('json', 'csv', '[{"a": 1, "b": 2}, {"b": 3}]', { header: false }), '1,2\r\n,3\r\n');
    assert.equal(run('csv', 'csv', 'x,y\n1,2\n', { header: false }), 'x,y\r\n1,2\r\n');
  });

  test('flatten (default) writes nested values as dotted and indexed columns and reads them back', () => {
    const records = [{ id: 1, user: { name: 'Ada', langs: ['en', 'fr'] }, empty: {}, none: [] }];
    const csv = run('json', 'csv', JSON.stringify(records));
    assert.equal(csv, 'id,user.name,user.langs.0,user.langs.1,empty,none\r\n1,Ada,en,fr,,\r\n');
    assert.deepEqual(documentOf('csv', csv), [{ id: '1', user: { name: 'Ada', langs: ['en', 'fr'] }, empty: '', none: '' }]);
  });

  test('flatten: false writes nested values as JSON and keeps dotted column names', () => {
    const csv = run('json', 'csv', '[{"user": {"name": "Ada"}, "tags": ["a"]}]', { flatten: false });
    assert.equal(csv, 'user,tags\r\n"{""name"":""Ada""}","[""a""]"\r\n');
    assert.deepEqual(documentOf('csv', 'a.b,c\n1,2\n', { flatten: false }), [{ 'a.b': '1', c: '2' }]);
  });

  test('flatten_separator changes the separator both ways', () => {
    const csv = run('json', 'csv', '[{"a": {"b.c": 1}}]', { flatten_separator: '/' });
    assert.equal(csv, 'a/b.c\r\n1\r\n');
    assert.deepEqual(documentOf('csv', csv, { flatten_separator: '/' }), [{ a: { 'b.c': '1' } }]);
  });

  test('infer_types turns numbers, booleans and empty cells into JSON values, nothing else', () => {
    const csv = 'int,neg,dec,exp,t,f,empty,zip,big,hex,upper,null,space\n' + '42,-7,3.5,1e3,true,false,,007,9007199254740993,0x1F,TRUE,null, 1\n';
    assert.deepEqual(documentOf('csv', csv, { infer_types: true }), [
      { int: 42, neg: -7, dec: 3.5, exp: 1000, t: true, f: false, empty: null, zip: '007', big: '9007199254740993', hex: '0x1F', upper: 'TRUE', null: 'null', space: ' 1' },
    ]);
    assert.deepEqual(documentOf('csv', 'a,b\n42,\n'), [{ a: '42', b: '' }]);
    assert.deepEqual(documentOf('csv', '42,true\n', { header: false, infer_types: true }), [[42, true]]);
  });
});

describe('csv: limits', () => {
  test('more rows than maxRecords are refused (the header row does not count)', () => {
    const limits = { maxDepth: 10, maxRecords: 2 };
    assert.equal(run('csv', 'ndjson', 'a\n1\n2\n', {}, limits), '{"a":"1"}\n{"a":"2"}\n');
    assertFails(() => run('csv', 'json', 'a\n1\n2\n3\n', {}, limits), { kind: 'limit', message: /more than 2 records/ });
    assertFails(() => run('csv', 'json', '1\n2\n3\n', { header: false }, limits), { kind: 'limit' });
  });

  test('a column nested deeper than maxDepth is refused', () => {
    const limits = { maxDepth: 4, maxRecords: 10 };
    // records (1), record (2), a (3), b (4)
    assert.deepEqual(documentOf('csv', 'a.b.c\n1\n'), [{ a: { b: { c: '1' } } }]);
    run('csv', 'json', 'a.b.c\n1\n', {}, limits);
    assertFails(() => run('csv', 'json', 'a.b.c.d\n1\n', {}, limits), { kind: 'limit' });
    assertFails(() => run('csv', 'json', `${Array(100_000).fill('a').join('.')}\n1\n`), { kind: 'limit' });
  });
});
