import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertFails, documentOf, run } from './fixtures.ts';

describe('json: output', () => {
  test('compact by default, indented by two spaces with pretty', () => {
    const input = '{"a":[1,{"b":null}],"c":"x"}';
    assert.equal(run('json', 'json', input), `${input}\n`);
    assert.equal(run('json', 'json', input, { pretty: true }), '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": "x"\n}\n');
  });

  test('keeps a "__proto__" key as data', () => {
    assert.equal(run('json', 'json', '{"__proto__": {"admin": true}}'), '{"__proto__":{"admin":true}}\n');
  });
});

describe('json: parse errors carry line and column', () => {
  const cases: [string, string, number, number][] = [
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['a trailing comma', '[1, 2,]', 1, 7],
    ['an unexpected character in a short text', '{"x": x}', 1, 7],
    ['an unexpected character after a long prefix', `{"padding": "${'p'.repeat(40)}",\n  "value": x}`, 2, 12],
    ['an unexpected character near the start of a long text', `[1, x, ${'1, '.repeat(30)}1]`, 1, 5],
    ['an unterminated input', '{"a": [1, 2', 1, 12],
    ['a control character in a string', '["a\u0001"]', 1, 4],
    ['text after the value', '{}\n{}', 2, 1],
  ];
  for (const [what, input, line, column] of cases) {
    test(what, () => {
      assertFails(() => run('json', 'yaml', input), { kind: 'parse', line, column, message: /^invalid JSON: / });
    });
  }
});

describe('json: limits', () => {
  test('depth is counted in containers and capped exactly', () => {
    const limits = { maxDepth: 3, maxRecords: 10 };
    assert.deepEqual(documentOf('json', '[[[1]]]'), [[[1]]]);
    run('json', 'json', '[[[1]]]', {}, limits);
    assertFails(() => run('json', 'json', '[[[[1]]]]', {}, limits), { kind: 'limit', message: /deeper than 3/ });
    assertFails(() => run('json', 'json', '{"a":{"b":{"c":{}}}}', {}, limits), { kind: 'limit' });
  });

  test('100000 nested arrays are refused without exhausting the stack', () => {
    const hostile = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assertFails(() => run('json', 'json', hostile), { kind: 'limit' });
  });

  test('a top-level array longer than maxRecords is refused', () => {
    const limits = { maxDepth: 10, maxRecords: 3 };
    run('json', 'json', '[1,2,3]', {}, limits);
    assertFails(() => run('json', 'yaml', '[1,2,3,4]', {}, limits), { kind: 'limit', message: /more than 3 records/ });
  });
});
