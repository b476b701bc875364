// The sealed form at rest and key rotation: values name the key that sealed them, previous keys
// open what they sealed and seal nothing, and values sealed before key ids existed still open.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SecretBox, secretBoxFor } from '../../src/auth/secret-box.ts';

const OLD = randomBytes(32);
const NEW = randomBytes(32);

/** A value as the server sealed it before key ids: iv | tag | ciphertext. */
function legacySeal(key: Buffer, plain: Buffer, context: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

test('a value is sealed under the current key and names it; a previous key opens what it sealed', () => {
  const before = new SecretBox(OLD);
  const rotated = new SecretBox(NEW, [OLD]);
  const plain = Buffer.from('seed');
  const old = before.seal(plain, 'acct_1');
  assert.deepEqual(rotated.open(old, 'acct_1'), plain);
  assert.equal(rotated.isCurrent(old), false);
  assert.equal(before.isCurrent(old), true);

  const resealed = rotated.seal(plain, 'acct_1');
  assert.equal(resealed[0], 1, 'version');
  assert.equal(rotated.isCurrent(resealed), true);
  assert.notDeepEqual(resealed.subarray(1, 5), old.subarray(1, 5), 'each key has its own id');
  assert.deepEqual(new SecretBox(NEW).open(resealed, 'acct_1'), plain, 'the previous key is not needed for it');
  assert.throws(() => before.open(resealed, 'acct_1'), /cannot be opened/);
  assert.throws(() => new SecretBox(NEW).open(old, 'acct_1'), /cannot be opened/, 'nor does the new key open the old value');
  assert.throws(() => rotated.open(old, 'acct_2'), /cannot be opened/, 'the context still binds');
});

test('values sealed before key ids existed open under the key that sealed them, current or previous', () => {
  // Some of them start with the version byte by chance: they must open all the same.
  for (let i = 0; i < 300; i++) {
    const plain = randomBytes(20);
    const legacy = legacySeal(i % 2 === 0 ? OLD : NEW, plain, 'acct_1');
    const box = new SecretBox(NEW, [OLD]);
    assert.deepEqual(box.open(legacy, 'acct_1'), plain);
    assert.equal(box.isCurrent(legacy), legacy[0] === 1 && legacy.subarray(1, 5).equals(box.seal(plain, 'x').subarray(1, 5)));
  }
  assert.throws(() => new SecretBox(randomBytes(32)).open(legacySeal(OLD, Buffer.from('x'), 'acct_1'), 'acct_1'));
});

test('a value altered anywhere does not open', () => {
  const box = new SecretBox(NEW, [OLD]);
  const sealed = box.seal(Buffer.from('seed'), 'acct_1');
  for (let at = 0; at < sealed.length; at++) {
    const altered = Buffer.from(sealed);
    altered[at]! ^= 1;
    assert.throws(() => box.open(altered, 'acct_1'), /cannot be opened/, `byte ${at}`);
  }
});

test('each purpose derives its own keys from the configured ones', () => {
  const keys = { totpEncryptionKey: 'n'.repeat(40), totpEncryptionKeysPrevious: ['o'.repeat(40)] };
  const sealed = secretBoxFor(keys, 'totp-secret').seal(Buffer.from('seed'), 'acct_1');
  assert.throws(() => secretBoxFor(keys, 'webhook-secret').open(sealed, 'acct_1'));
  const old = secretBoxFor({ totpEncryptionKey: 'o'.repeat(40), totpEncryptionKeysPrevious: [] }, 'totp-secret').seal(Buffer.from('seed'), 'acct_1');
  assert.deepEqual(secretBoxFor(keys, 'totp-secret').open(old, 'acct_1'), Buffer.from('seed'));
});
