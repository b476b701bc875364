import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { deriveKey } from '../../src/auth/derive-key.ts';
import { hashRecoveryCode, newRecoveryCodes } from '../../src/auth/recovery-codes.ts';
import { SecretBox } from '../../src/auth/secret-box.ts';
import { base32, matchingStep, newTotpSecret, otpauthUrl, timeStep, totpCode } from '../../src/auth/totp.ts';

const RFC_SECRET = Buffer.from('12345678901234567890');

test('codes match RFC 4226 Appendix D (HOTP, the core of TOTP)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  assert.deepEqual(expected.map((_, counter) => totpCode(RFC_SECRET, counter)), expected);
});

test('time steps are 30 seconds (RFC 6238 Appendix B: T=59 is step 1, T=1111111109 step 37037036)', () => {
  assert.equal(timeStep(new Date(59_000)), 1);
  assert.equal(timeStep(new Date(1_111_111_109_000)), 37_037_036);
  // The 8-digit vector 07081804 at that time, in 6 digits.
  assert.equal(totpCode(RFC_SECRET, 37_037_036), '081804');
});

test('base32 follows RFC 4648 §10, unpadded', () => {
  const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  for (const [plain, encoded] of vectors) assert.equal(base32(Buffer.from(plain)), encoded);
});

test('an authenticator reading the otpauth URL computes the same codes', () => {
  const secret = newTotpSecret();
  assert.equal(secret.length, 20);
  const url = otpauthUrl(secret, 'jane+tag@example.com');
  assert.equal(url, `otpauth://totp/Transmute:jane%2Btag%40example.com?secret=${base32(secret)}&issuer=Transmute`);
  const app = OTPAuth.URI.parse(url);
  assert.ok(app instanceof OTPAuth.TOTP);
  assert.equal(app.issuer, 'Transmute');
  assert.equal(app.label, 'jane+tag@example.com');
  const at = Date.now();
  assert.equal(app.generate({ timestamp: at }), totpCode(secret, timeStep(new Date(at))));
});

test('a code is accepted one step either side of now, not two', () => {
  const secret = newTotpSecret();
  const at = new Date(1_800_000_000_000);
  const now = timeStep(at);
  for (const offset of [-1, 0, 1]) assert.equal(matchingStep(secret, totpCode(secret, now + offset), at, null), now + offset);
  for (const offset of [-2, 2]) assert.equal(matchingStep(secret, totpCode(secret, now + offset), at, null), undefined);
});

test('a code of a step at or before the last one used is refused', () => {
  const secret = newTotpSecret();
  const at = new Date(1_800_000_000_000);
  const now = timeStep(at);
  assert.equal(matchingStep(secret, totpCode(secret, now), at, now), undefined);
  assert.equal(matchingStep(secret, totpCode(secret, now - 1), at, now), undefined);
  assert.equal(matchingStep(secret, totpCode(secret, now + 1), at, now), now + 1);
});

test('anything but six digits is not a TOTP code', () => {
  const secret = newTotpSecret();
  const at = new Date();
  const code = totpCode(secret, timeStep(at));
  for (const wrong of ['', code.slice(1), `${code}0`, ` ${code}`, code.replace(/^./, 'a')]) {
    assert.equal(matchingStep(secret, wrong, at, null), undefined);
  }
});

test('a sealed secret opens only with its key and its context, and is never stored as is', () => {
  const box = new SecretBox(deriveKey('k'.repeat(32), 'totp-secret'));
  const secret = newTotpSecret();
  const sealed = box.seal(secret, 'acct_1');
  assert.equal(sealed.length, 1 + 4 + 12 + 16 + secret.length, 'version, key id, iv, tag, ciphertext');
  assert.equal(sealed.includes(secret), false);
  assert.notDeepEqual(box.seal(secret, 'acct_1'), sealed, 'a fresh IV each time');
  assert.deepEqual(box.open(sealed, 'acct_1'), secret);
  assert.throws(() => box.open(sealed, 'acct_2'));
  assert.throws(() => new SecretBox(deriveKey('x'.repeat(32), 'totp-secret')).open(sealed, 'acct_1'));
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(() => box.open(tampered, 'acct_1'));
});

test('keys derived for different purposes differ', () => {
  assert.notDeepEqual(deriveKey('k'.repeat(32), 'totp-secret'), deriveKey('k'.repeat(32), 'recovery-code'));
  assert.equal(deriveKey('k'.repeat(32), 'totp-secret').length, 32);
});

test('recovery codes: ten distinct codes of 50 random bits, typed back in any case, with or without the dash', () => {
  const codes = newRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) assert.match(code, /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  const key = deriveKey('k'.repeat(32), 'recovery-code');
  const code = codes[0]!;
  const hash = hashRecoveryCode(key, code);
  assert.deepEqual(hashRecoveryCode(key, code.toUpperCase()), hash);
  assert.deepEqual(hashRecoveryCode(key, code.replace('-', '')), hash);
  assert.notDeepEqual(hashRecoveryCode(key, codes[1]!), hash);
  assert.notDeepEqual(hashRecoveryCode(deriveKey('x'.repeat(32), 'recovery-code'), code), hash);
});
