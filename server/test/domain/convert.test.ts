import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { convert, ConversionError, FORMATS, type Format } from '../../src/domain/index.ts';
import { assertFails, documentOf, LIMITS, recordsOf, run, USERS, USERS_IN } from './fixtures.ts';

const TABULAR = new Set<Format>(['ndjson', 'csv', 'tsv']);

describe('convert: every pair', () => {
  for (const from of FORMATS) {
    for (const to of FORMATS) {
      // XML's document is the content of its root, {"user": [...]}: it stays that object in
      // JSON and YAML, and becomes the records again only on the way to a tabular format or XML.
      const keepsRoot = from === 'xml' && (to === 'json' || to === 'yaml');
      test(`${from} -> ${to} keeps the records`, () => {
        const { output, stats } = convert(from, to, USERS_IN[from], {}, LIMITS);
        if (keepsRoot) {
          assert.deepEqual(documentOf(to, output), { user: USERS });
          assert.equal(stats.records, null);
        } else {
          assert.deepEqual(recordsOf(to, output), USERS);
          assert.equal(stats.records, TABULAR.has(from) || TABULAR.has(to) || from !== 'xml' ? USERS.length : null);
        }
      });
    }
  }
});

describe('convert: documents', () => {
  test('identity conversions re-format the same document', () => {
    assert.equal(run('json', 'json', '{ "b": [1, 2],\n "a": {"c": null} }'), '{"b":[1,2],"a":{"c":null}}\n');
    assert.equal(run('yaml', 'yaml', 'a:   [1, 2]\n'), 'a:\n  - 1\n  - 2\n');
    assert.equal(run('xml', 'xml', '<root>  <a>x</a></root>'), '<?xml version="1.0" encoding="UTF-8"?>\n<root><a>x</a></root>\n');
  });

  test('json -> xml -> json keeps an object', () => {
    const document = { title: 'Report', meta: { author: 'Ada', tags: ['a', 'b'] } };
    assert.deepEqual(documentOf('xml', run('json', 'xml', JSON.stringify(document))), document);
  });

  test('a single object is one record', () => {
    assert.equal(run('json', 'csv', '{"a": 1, "b": "x"}'), 'a,b\r\n1,x\r\n');
    assert.equal(convert('yaml', 'ndjson', 'a: 1\n', {}, LIMITS).stats.records, 1);
  });

  test('a scalar document has no records', () => {
    for (const to of ['csv', 'tsv', 'ndjson'] as const) {
      assertFails(() => run('json', to, '"just text"'), { kind: 'shape', message: /array or an object.*a string/ });
      assertFails(() => run('yaml', to, '42'), { kind: 'shape', message: /a number/ });
    }
  });
});

describe('convert: stats', () => {
  test('counts UTF-8 bytes, not characters', () => {
    const { stats, output } = convert('json', 'json', '["é"]', {}, LIMITS);
    assert.equal(stats.input_bytes, 6);
    assert.equal(output, '["é"]\n');
    assert.equal(stats.output_bytes, 7);
  });

  test('records is null for one non-array document, and a duration is measured', () => {
    const { stats } = convert('json', 'yaml', '{"a": 1}', {}, LIMITS);
    assert.equal(stats.records, null);
    assert.ok(Number.isFinite(stats.duration_ms) && stats.duration_ms >= 0);
  });
});

describe('convert: input', () => {
  test('a UTF-8 byte order mark is stripped from any format', () => {
    for (const from of FORMATS) {
      assert.deepEqual(recordsOf(from, `\uFEFF${USERS_IN[from]}`), USERS, from);
    }
  });

  test('failures are ConversionErrors with a kind, never raw parser errors', () => {
    const broken: Record<Format, string> = { json: '{', ndjson: '{', csv: '"', tsv: '"', yaml: 'a: "', xml: '<a>' };
    for (const from of FORMATS) {
      for (const to of FORMATS) {
        assert.throws(() => run(from, to, broken[from]), (error) => error instanceof ConversionError && error.kind === 'parse', `${from} -> ${to}`);
      }
    }
  });

  test('parse error messages do not echo the input', () => {
    const secret = 'sk_live_0123456789abcdefghijklmnopqrstuvwxyz';
    const inputs: Record<Format, string> = {
      json: `{"token": "${secret}" ${secret}}`,
      ndjson: `{"token": ${secret}}`,
      csv: `a,b\n"${secret}"${secret},1\n`,
      tsv: `a\tb\n${secret}"${secret}\t1\n`,
      yaml: `token: "${secret}\n`,
      xml: `<root><${secret}${secret}></${secret}></root>`,
    };
    for (const from of FORMATS) {
      const error = assertFails(() => run(from, 'json', inputs[from]), { kind: 'parse' });
      assert.ok(!error.message.includes(secret), `${from}: ${error.message}`);
      assert.ok(error.message.length < 200, `${from}: ${error.message}`);
    }
  });
});
