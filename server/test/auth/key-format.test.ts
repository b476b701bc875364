import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateApiKey, parseApiKey } from '../../src/auth/key-format.ts';

test('a key is tm_, a 16-character lookup id and a 43-character secret of 256 bits', () => {
  const key = generateApiKey();
  assert.match(key.presented, /^tm_[0-9a-z]{16}_[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(key.secret, 'base64url').length, 32);
  assert.deepEqual(parseApiKey(key.presented), { lookupId: key.lookupId, secret: key.secret });
});

test('a secret containing underscores still parses', () => {
  const presented = `tm_0123456789abcdef_${'_'.repeat(43)}`;
  assert.deepEqual(parseApiKey(presented), { lookupId: '0123456789abcdef', secret: '_'.repeat(43) });
});

test('anything else is malformed', () => {
  const { presented } = generateApiKey();
  for (const bad of ['', 'tm_', presented.slice(0, -1), `${presented}x`, presented.replace('tm_', 'tx_'), ` ${presented}`, presented.toUpperCase()]) {
    assert.equal(parseApiKey(bad), undefined, bad);
  }
});
