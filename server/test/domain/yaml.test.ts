import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertFails, documentOf, run } from './fixtures.ts';

describe('yaml: input (YAML 1.2 core schema)', () => {
  test('core scalars: only true/false are booleans, ~ and null are null, 0x and 0o are numbers', () => {
    const yaml = 'a: yes\nb: true\nc: ~\nd: null\ne: 0x1F\nf: 0o17\ng: 1.5e3\nh: 2001-12-14\ni: "123"\n';
    assert.deepEqual(documentOf('yaml', yaml), { a: 'yes', b: true, c: null, d: null, e: 31, f: 15, g: 1500, h: '2001-12-14', i: '123' });
  });

  test('an empty input is a null document', () => {
    assert.equal(run('yaml', 'json', ''), 'null\n');
  });

  test('"__proto__" is an ordinary key', () => {
    assert.equal(run('yaml', 'json', '__proto__:\n  admin: true\n'), '{"__proto__":{"admin":true}}\n');
  });

  test('a few aliases are fine and expand to copies', () => {
    assert.deepEqual(documentOf('yaml', 'base: &b {x: 1}\none: *b\ntwo: *b\n'), { base: { x: 1 }, one: { x: 1 }, two: { x: 1 } });
  });
});

describe('yaml: refused input', () => {
  test('a syntax error has a line and column', () => {
    assertFails(() => run('yaml', 'json', 'a: 1\nb: [1, 2\nc: 3\n'), { kind: 'parse', line: 3, column: 1, message: /^invalid YAML: Flow sequence/ });
    assertFails(() => run('yaml', 'json', 'x: "abc'), { kind: 'parse', line: 1, column: 8 });
  });

  test('the error message has no copy of the offending lines', () => {
    const error = assertFails(() => run('yaml', 'json', 'key: value\n  broken: indentation\n'), { kind: 'parse', line: 1 });
    assert.ok(!error.message.includes('\n'), error.message);
  });

  test('duplicate keys are an error', () => {
    assertFails(() => run('yaml', 'json', 'a: 1\nb: 2\na: 3\n'), { kind: 'parse', line: 3, column: 1, message: /unique/ });
  });

  test('custom and YAML 1.1 tags are refused', () => {
    assertFails(() => run('yaml', 'json', 'a: 1\nb: !shell rm -rf\n'), { kind: 'parse', line: 2, column: 4, message: /tags/ });
    assertFails(() => run('yaml', 'json', 'b: !!binary aGVsbG8=\n'), { kind: 'parse', line: 1 });
    assertFails(() => run('yaml', 'json', 's: !!set {a, b}\n'), { kind: 'parse', line: 1 });
  });

  test('several documents in one input are an error', () => {
    assertFails(() => run('yaml', 'json', 'a: 1\n---\nb: 2\n'), { kind: 'parse', line: 2, message: /more than one document/ });
  });

  test('.inf and .nan have no JSON form', () => {
    assertFails(() => run('yaml', 'json', 'x: .inf\n'), { kind: 'shape' });
    assertFails(() => run('yaml', 'yaml', '[.nan]\n'), { kind: 'shape' });
  });
});

describe('yaml: limits', () => {
  test('an alias bomb (billion laughs) is refused', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    assertFails(() => run('yaml', 'json', `${levels.join('\n')}\n`), { kind: 'limit', message: /too many aliases/ });
  });

  test('an anchor may be referenced 49 times, not 50', () => {
    const uses = (count: number) => `w: &w [1, 2]\nuses: [${Array(count).fill('*w').join(', ')}]\n`;
    run('yaml', 'json', uses(49));
    assertFails(() => run('yaml', 'json', uses(50)), { kind: 'limit', message: /too many aliases/ });
  });

  test('a wide anchor used a few times may not expand far beyond the input', () => {
    const wide = `w: &w [${Array(2000).fill('1').join(',')}]\nuses: [${Array(40).fill('*w').join(',')}]\n`;
    assertFails(() => run('yaml', 'json', wide), { kind: 'limit', message: /expands/ });
  });

  test('depth and record limits', () => {
    const limits = { maxDepth: 2, maxRecords: 2 };
    run('yaml', 'json', '- [1]\n- [2]\n', {}, limits);
    assertFails(() => run('yaml', 'json', '- [[1]]\n', {}, limits), { kind: 'limit' });
    assertFails(() => run('yaml', 'json', '- 1\n- 2\n- 3\n', {}, limits), { kind: 'limit', message: /more than 2 records/ });
  });

  test('100000 nested flow sequences are refused without crashing', () => {
    assertFails(() => run('yaml', 'json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`), { kind: 'limit' });
  });
});

describe('yaml: output', () => {
  test('block style; strings that would read as other types are quoted', () => {
    const json = '[{"n": 1, "s": "true", "t": "123", "u": null, "multi": "a\\nb", "list": ["x"], "empty": {}}]';
    assert.equal(run('json', 'yaml', json, { pretty: true }), '- n: 1\n  s: "true"\n  t: "123"\n  u: null\n  multi: |-\n    a\n    b\n  list:\n    - x\n  empty: {}\n');
    assert.deepEqual(documentOf('yaml', run('json', 'yaml', json)), JSON.parse(json));
  });
});
