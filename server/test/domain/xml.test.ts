import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { convert } from '../../src/domain/index.ts';
import { assertFails, documentOf, LIMITS, recordsOf, run } from './fixtures.ts';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

describe('xml: input', () => {
  test('the document is the root content: attributes under "@", text beside them under "#text"', () => {
    const xml = '<?xml version="1.0"?>\n<!-- list -->\n<catalog><book id="b1" lang="en">Dune</book><price>9.50</price></catalog>';
    assert.deepEqual(documentOf('xml', xml), { book: { '@id': 'b1', '@lang': 'en', '#text': 'Dune' }, price: '9.50' });
  });

  test('repeated elements become arrays, and all values stay strings', () => {
    assert.deepEqual(documentOf('xml', '<r><n>007</n><n>true</n><n/></r>'), { n: ['007', 'true', ''] });
  });

  test('predefined entities, character references and CDATA are decoded', () => {
    assert.deepEqual(documentOf('xml', '<r><a>&lt;b&gt; &amp; &quot;&apos; &#65;&#x1F600;</a><c><![CDATA[<raw> & ]]></c></r>'), {
      a: '<b> & "\' A😀',
      c: '<raw> & ',
    });
  });

  test('an empty root is an empty object', () => {
    assert.deepEqual(documentOf('xml', '<root/>'), {});
    assert.deepEqual(documentOf('xml', '<root></root>'), {});
  });
});

describe('xml: records', () => {
  test('repeated children of the root, whatever their names', () => {
    assert.deepEqual(recordsOf('xml', '<rows><row><a>1</a></row><row><a>2</a></row></rows>'), [{ a: '1' }, { a: '2' }]);
  });

  test('a lone child with children of its own is one record', () => {
    assert.deepEqual(recordsOf('xml', '<rows><row><a>1</a></row></rows>'), [{ a: '1' }]);
  });

  test('children with different names are the fields of one record', () => {
    assert.deepEqual(recordsOf('xml', '<person><name>Ada</name><born>1815</born></person>'), [{ name: 'Ada', born: '1815' }]);
  });

  test('an empty root has no records; a text root has none either', () => {
    assert.equal(run('xml', 'csv', '<root/>'), '');
    assertFails(() => run('xml', 'csv', '<root>text</root>'), { kind: 'shape' });
  });
});

describe('xml: hostile input', () => {
  test('a billion-laughs entity bomb is refused before any expansion', () => {
    const lol = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) lol.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${lol.join('\n')}\n]>\n<lolz>&lol9;</lolz>`;
    const started = performance.now();
    assertFails(() => run('xml', 'json', bomb), { kind: 'parse', line: 2, column: 1, message: /DOCTYPE/ });
    assert.ok(performance.now() - started < 1000);
  });

  test('an external entity is never read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'transmute-xxe-'));
    try {
      const secretFile = join(dir, 'secret.txt');
      writeFileSync(secretFile, 'TOP-SECRET-MARKER');
      for (const target of ['file:///etc/passwd', pathToFileURL(secretFile).href]) {
        const xxe = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "${target}">]><foo>&xxe;</foo>`;
        for (const to of ['json', 'xml', 'csv'] as const) {
          const error = assertFails(() => run('xml', to, xxe), { kind: 'parse', message: /DOCTYPE/ });
          assert.ok(!/root:|TOP-SECRET-MARKER/.test(error.message));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('any DOCTYPE is refused, whatever its case or place', () => {
    assertFails(() => run('xml', 'json', '<!-- x -->\n<!doctype html>\n<html/>'), { kind: 'parse', line: 2, column: 1 });
    assertFails(() => run('xml', 'json', '<!DOCTYPE note SYSTEM "note.dtd"><note/>'), { kind: 'parse', line: 1, column: 1 });
  });

  test('an undeclared entity stays literal text', () => {
    assert.deepEqual(documentOf('xml', '<r><a>&xxe;</a></r>'), { a: '&xxe;' });
  });

  test('names that would reach Object.prototype are refused', () => {
    assertFails(() => run('xml', 'json', '<r><constructor>1</constructor></r>'), { kind: 'parse', message: /constructor/ });
  });
});

describe('xml: parse errors carry line and column', () => {
  test('a mismatched closing tag', () => {
    assertFails(() => run('xml', 'json', '<root>\n  <a>x</b>\n</root>'), { kind: 'parse', line: 2, column: 7, message: /^invalid XML: / });
  });

  test('two roots, and text after the root', () => {
    assertFails(() => run('xml', 'json', '<a></a>\n<b></b>'), { kind: 'parse', line: 2, column: 3 });
    assertFails(() => run('xml', 'json', '<a></a>\ntrailing'), { kind: 'parse', line: 2, column: 1 });
  });

  test('what follows a self-closing root is not lost (fast-xml-parser alone misses it)', () => {
    assertFails(() => run('xml', 'json', '<a/>\n<b/>'), { kind: 'parse', message: /more than one root/ });
    assertFails(() => run('xml', 'json', '<a/><a/>'), { kind: 'parse', message: /more than one root/ });
    assertFails(() => run('xml', 'json', '<a></a><b/>'), { kind: 'parse', message: /more than one root/ });
    assertFails(() => run('xml', 'json', '<a/>\n  lost text\n'), { kind: 'parse', line: 2, column: 3, message: /text after the root/ });
    assert.deepEqual(documentOf('xml', '<a/>\n<!-- end -->\n<?pi x?>\n'), {});
  });

  test('an unclosed tag and an empty input', () => {
    assertFails(() => run('xml', 'json', '<a>\n<b></b>'), { kind: 'parse', line: 1 });
    assertFails(() => run('xml', 'json', ''), { kind: 'parse', line: 1 });
  });

  test('long tag names are cut short in the message', () => {
    const name = `t${'x'.repeat(500)}`;
    const error = assertFails(() => run('xml', 'json', `<r><${name}></r>`), { kind: 'parse' });
    assert.ok(error.message.length < 200, error.message);
  });
});

describe('xml: output', () => {
  test('an array becomes xml_item elements under xml_root, with a declaration', () => {
    assert.equal(run('json', 'xml', '[{"a": "1"}, {"a": "2"}]'), `${DECLARATION}<root><item><a>1</a></item><item><a>2</a></item></root>\n`);
    assert.equal(
      run('json', 'xml', '[{"a": "1"}]', { xml_root: 'rows', xml_item: 'row' }),
      `${DECLARATION}<rows><row><a>1</a></row></rows>\n`,
    );
  });

  test('pretty indents by two spaces', () => {
    assert.equal(
      run('json', 'xml', '{"user": {"name": "Ada", "tags": ["x", "y"]}}', { pretty: true }),
      `${DECLARATION}<root>\n  <user>\n    <name>Ada</name>\n    <tags>x</tags>\n    <tags>y</tags>\n  </user>\n</root>\n`,
    );
  });

  test('"@" keys become attributes and "#text" the text; special characters are escaped', () => {
    const json = '{"link": {"@href": "a?b=1&c=\\"2\\"", "#text": "x < y & z"}}';
    const xml = run('json', 'xml', json);
    assert.equal(xml, `${DECLARATION}<root><link href="a?b=1&amp;c=&quot;2&quot;">x &lt; y &amp; z</link></root>\n`);
    assert.deepEqual(documentOf('xml', xml), JSON.parse(json));
  });

  test('numbers, booleans and null become text or an empty element', () => {
    assert.equal(run('json', 'xml', '{"n": 1.5, "b": false, "z": null}'), `${DECLARATION}<root><n>1.5</n><b>false</b><z/></root>\n`);
  });

  test('a scalar document is the text of the root; nested arrays get item elements', () => {
    assert.equal(run('json', 'xml', '"hi"'), `${DECLARATION}<root>hi</root>\n`);
    assert.equal(run('json', 'xml', '[[1, 2], [3]]'), `${DECLARATION}<root><item><item>1</item><item>2</item></item><item><item>3</item></item></root>\n`);
  });

  test('keys that are not XML names are refused, not renamed', () => {
    for (const key of ['first name', '1st', '', 'a/b', '@bad attr']) {
      assertFails(() => run('json', 'xml', JSON.stringify({ [key]: 'x' })), { kind: 'shape', message: /not a valid XML name/ });
    }
    assertFails(() => run('csv', 'xml', 'first name\nAda\n'), { kind: 'shape' });
  });

  test('attribute and text values must be scalars', () => {
    assertFails(() => run('json', 'xml', '{"a": {"@id": {"x": 1}}}'), { kind: 'shape' });
  });

  test('characters XML cannot carry are refused', () => {
    assertFails(() => run('json', 'xml', '{"a": "bell\\u0007"}'), { kind: 'shape' });
    assertFails(() => run('json', 'xml', '{"a": "half \\ud800 surrogate"}'), { kind: 'shape' });
  });

  test('xml_root and xml_item must be XML names', () => {
    assertFails(() => run('json', 'xml', '[]', { xml_root: 'my root' }), { kind: 'option', message: /xml_root/ });
    assertFails(() => run('json', 'xml', '[]', { xml_item: '9' }), { kind: 'option', message: /xml_item/ });
  });
});

describe('xml: limits', () => {
  test('depth is the depth of the root content', () => {
    const limits = { maxDepth: 2, maxRecords: 10 };
    run('xml', 'json', '<r><a><b>1</b></a></r>', {}, limits);
    assertFails(() => run('xml', 'json', '<r><a><b><c>1</c></b></a></r>', {}, limits), { kind: 'limit' });
  });

  test('100000 nested elements are refused without exhausting the stack', () => {
    assertFails(() => run('xml', 'json', `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`), { kind: 'limit' });
  });

  test('more records than maxRecords are refused', () => {
    const limits = { maxDepth: 10, maxRecords: 2 };
    const xml = '<r><i>1</i><i>2</i><i>3</i></r>';
    assert.equal(convert('xml', 'json', xml, {}, LIMITS).stats.records, null);
    assertFails(() => run('xml', 'ndjson', xml, {}, limits), { kind: 'limit' });
  });
});
