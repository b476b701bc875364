// The streamed input's encoder: whatever pieces the text arrives in, the chunks join into exactly
// Buffer.from(text, 'utf8'), none is larger than asked, none splits a character, and the length and
// digest describe the whole text.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { InputEncoder } from '../../src/jobs/input-encoder.ts';

const TEXTS = [
  'plain ASCII, a little longer than one chunk',
  'é中😀 mixed widths: 1, 2, 3 and 4 bytes',
  '\ud83d\ude00\ud83d\ude00',
  // Lone surrogates (valid in JSON text): each becomes U+FFFD, as Buffer.from makes it.
  'a\ud800b\udc00c\ud83d',
  '\udc00\ud800',
  '\u0000NUL\u0000',
];

function encode(pieces: string[], chunkBytes: number): { chunks: Buffer[]; result: ReturnType<InputEncoder['end']> } {
  const encoder = new InputEncoder(chunkBytes);
  const chunks: Buffer[] = [];
  const collect = () => {
    for (const chunk of encoder.takeSealed()) {
      chunks.push(Buffer.from(chunk));
      encoder.recycle(chunk);
    }
  };
  for (const piece of pieces) {
    encoder.append(piece);
    collect();
  }
  const result = encoder.end();
  collect();
  return { chunks, result };
}

test('chunks join into the UTF-8 of the text, cut into pieces anywhere, in chunks of any size', () => {
  for (const text of TEXTS) {
    const expected = Buffer.from(text, 'utf8');
    for (const chunkBytes of [4, 5, 7, 16, 1024]) {
      for (let cut = 0; cut <= text.length; cut++) {
        // Two pieces cut at every code unit (between the halves of a pair too), and one unit a piece.
        for (const pieces of [[text.slice(0, cut), text.slice(cut)], [...text.split('')]]) {
          const how = `${JSON.stringify(text)} in ${JSON.stringify(pieces)}, chunks of ${chunkBytes}`;
          const { chunks, result } = encode(pieces, chunkBytes);
          assert.ok(Buffer.concat(chunks).equals(expected), how);
          for (const chunk of chunks) {
            assert.ok(chunk.length <= chunkBytes, how);
            assert.ok(Buffer.from(chunk.toString('utf8'), 'utf8').equals(chunk), `a chunk splits a character: ${how}`);
          }
          assert.deepEqual(result, {
            bytes: expected.length,
            // Code points, a lone surrogate counting one: JSON Schema's maxLength (Ajv's ucs2length).
            characters: [...text].length,
            sha256: createHash('sha256').update(expected).digest('hex'),
          }, how);
        }
      }
    }
  }
});

test('an empty input is one empty chunk', () => {
  const { chunks, result } = encode([], 16);
  assert.deepEqual(chunks, [Buffer.alloc(0)]);
  assert.equal(result.bytes, 0);
});

test('a full chunk is sealed as soon as the next character does not fit, not at the end', () => {
  const encoder = new InputEncoder(8);
  encoder.append('12345678');
  assert.deepEqual(encoder.takeSealed(), []);
  encoder.append('9');
  assert.deepEqual(encoder.takeSealed().map(String), ['12345678']);
});
