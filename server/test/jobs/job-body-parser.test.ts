// The job body's incremental JSON reader, checked against JSON.parse: every body below, fed whole
// and in pieces of every small size (so each escape, surrogate pair and key is cut somewhere),
// gives JSON.parse's value with its input sent to the sink, or fails where JSON.parse fails, with
// the same message, line and column (parseJson's wording, domain/json.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConversionError } from '../../src/domain/errors.ts';
import { parseJson } from '../../src/domain/json.ts';
import { ApiError } from '../../src/http/problem.ts';
import { JobBodyParser, SMALL_LIMIT } from '../../src/jobs/job-body-parser.ts';

function read(body: string, pieceLength: number): { value: unknown; input: string | undefined } {
  let input = '';
  const parser = new JobBodyParser({ append: (text) => (input += text) });
  for (let i = 0; i < body.length; i += pieceLength) parser.write(body.slice(i, i + pieceLength));
  const { value, inputStreamed } = parser.end();
  return { value, input: inputStreamed ? input : undefined };
}

/** The same split every way up to 7 characters a piece, and whole. */
function everyWay(body: string, check: (result: () => ReturnType<typeof read>, how: string) => void): void {
  for (const size of [1, 2, 3, 4, 5, 7, body.length || 1]) check(() => read(body, size), `in pieces of ${size}`);
}

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('accepted');
}

const VALID = [
  '{"from":"csv","to":"json","input":"a,b\\n1,2\\n"}',
  ' \r\n\t{ "input" : "x" , "options" : { "delimiter" : ";", "header": false }, "from": "csv", "to": "yaml" } \n',
  '{"input":"","from":"json","to":"xml"}',
  // Every escape, a pair written as two escapes, lone surrogates, NUL, and raw multi-byte text.
  '{"input":"\\"\\\\\\/\\b\\f\\n\\r\\t \\u00e9\\u00E9 \\ud83d\\ude00 \\ud800x \\udc00 \\u0000 é中😀 \\ud83d"}',
  '{"options":{"nested":[1,{"a":"}]\\"["}],"n":-1.5e3,"t":true,"f":false,"z":null},"input":"ok"}',
  '{"input":5}',
  '{"input":{"not":"a string"},"other":[1,2]}',
  '{"__proto__":{"admin":true},"input":"x"}',
  '{}',
  '[1,2,{"input":"x"}]',
  '"just a string"',
  '42',
  'null',
];

describe('a valid body', () => {
  for (const body of VALID) {
    test(body.slice(0, 60), () => {
      const expected = JSON.parse(body) as unknown;
      const streamed = expected !== null && typeof expected === 'object' && !Array.isArray(expected) && typeof (expected as Record<string, unknown>).input === 'string';
      everyWay(body, (result, how) => {
        const { value, input } = result();
        if (streamed) {
          const { input: expectedInput, ...rest } = expected as Record<string, unknown>;
          assert.equal(input, expectedInput, how);
          assert.deepEqual(value, rest, how);
        } else {
          assert.equal(input, undefined, how);
          assert.deepEqual(value, expected, how);
        }
      });
    });
  }

  test('"__proto__" is kept as an own field, as JSON.parse keeps it', () => {
    const { value } = read('{"__proto__":{"admin":true},"input":"x"}', 3);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value as object), ['__proto__']);
  });
});

const MALFORMED = [
  '{"input":"a\u0001b"}',
  '{"input":"a\nb"}',
  '{"input":"bad \\x escape"}',
  '{"input":"bad \\u12g4 escape"}',
  '{"input":"unterminated',
  '{"input":"ends in an escape\\',
  '{"input":"ends in \\u12',
  '{"from":"csv",\n  "input":"x"\n  "to":"json"}',
  '{"input":"x",}',
  '{"input" "x"}',
  '{"input":}',
  '{"input":"x"} trailing',
  '{"input":"x"}\n{}',
  '{"from":"csv","options":{"a":[1}}',
  '{"from":tru,"input":"x"}',
  '{"from":01}',
  '{,}',
  '{"in\nput":"x"}',
  '{',
  '{"input":"x"',
  '{"input":"x",',
  '{"input"',
  '{"input":',
  '',
  '   ',
  ']',
  '[1,',
  '{"options":{"a":"\u0002"},"input":"x"}',
  '{\n\n  "input": "long text before the fault \\ud83d\\ude00 é\u0003"}',
  '{"input":"x",\n  "from": x}',
  '{"a\\x":1}',
  '{"a":[1,]}',
  '{"input":"x"}}',
];

describe('a malformed body fails where JSON.parse fails', () => {
  for (const body of MALFORMED) {
    test(JSON.stringify(body).slice(0, 60), () => {
      let expected: ConversionError | undefined;
      try {
        parseJson(body);
      } catch (error) {
        expected = error as ConversionError;
      }
      assert.ok(expected instanceof ConversionError, 'JSON.parse refuses it too');
      everyWay(body, (result, how) => {
        const error = refusal(result);
        assert.equal(error.code, 'E1002', how);
        assert.deepEqual(error.errors, [{ path: '', message: expected.message, line: expected.line, column: expected.column }], how);
      });
    });
  }
});

describe('what JSON.parse accepts but a job body may not', () => {
  test('a top-level key given twice is E1002 at the second one', () => {
    const cases: [string, string, number, number][] = [
      ['{"input":"a","input":"b"}', 'input', 1, 14],
      ['{"from":"csv",\n "from":"json"}', 'from', 2, 2],
      ['{"in\\u0070ut":"a","input":"b"}', 'input', 1, 19],
    ];
    for (const [body, key, line, column] of cases) {
      everyWay(body, (result, how) => {
        const error = refusal(result);
        assert.equal(error.code, 'E1002', how);
        assert.deepEqual(error.errors, [{ path: '', message: `invalid JSON: duplicate key "${key}"`, line, column }], how);
      });
    }
  });

  test(`more than ${SMALL_LIMIT} characters outside the input is E1004, however it arrives`, () => {
    const padding = 'p'.repeat(SMALL_LIMIT);
    for (const body of [`{"note":"${padding}","input":"x"}`, `{"input":"x","options":{"a":"${padding}"}}`, `["${padding}"]`]) {
      for (const size of [1_000, 65_536, body.length]) assert.equal(refusal(() => read(body, size)).code, 'E1004', `pieces of ${size}`);
    }
    assert.equal(read(`{"input":"${padding}${padding}"}`, 65_536).input?.length, 2 * SMALL_LIMIT, 'the input itself is not limited');
  });
});
