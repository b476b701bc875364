import assert from 'node:assert/strict';
import { test } from 'node:test';
import argon2 from 'argon2';
import { ApiError } from '../../src/http/problem.ts';
import { checkPasswordPolicy, hashPassword, normalizeEmail, verifyPassword } from '../../src/auth/passwords.ts';

function policyErrors(password: string, email = 'someone@example.com'): string[] {
  try {
    checkPasswordPolicy(password, email);
    return [];
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'E1115');
    assert.equal(error.status, 422);
    for (const each of error.errors ?? []) assert.equal(each.path, '/password');
    return (error.errors ?? []).map((each) => each.message);
  }
}

test('emails are trimmed, lower-cased and NFC-normalised', () => {
  assert.equal(normalizeEmail('  Alice@Example.COM \n'), 'alice@example.com');
  // "é" typed as e + combining acute (NFD) is the same address as the precomposed "é".
  assert.equal(normalizeEmail('Ame\u0301lie@example.com'), normalizeEmail('am\u00e9lie@example.com'));
  assert.equal(normalizeEmail('Ame\u0301lie@example.com'), 'am\u00e9lie@example.com');
});

test('a password of 12 to 128 characters passes; 11 and 129 are refused, naming the rule', () => {
  assert.deepEqual(policyErrors('a'.repeat(12)), []);
  assert.deepEqual(policyErrors('a'.repeat(128)), []);
  assert.deepEqual(policyErrors('a'.repeat(11)), ['The password must be at least 12 characters long.']);
  assert.deepEqual(policyErrors('a'.repeat(129)), ['The password must be at most 128 characters long.']);
});

test('length counts characters, not UTF-16 units', () => {
  // 12 emoji are 24 UTF-16 units but 12 characters.
  assert.deepEqual(policyErrors('🔑'.repeat(12)), []);
  assert.equal(policyErrors('🔑'.repeat(11)).length, 1);
});

test("a password containing the email's local part is refused, whatever its case", () => {
  assert.deepEqual(policyErrors('my name is JonathanSmith!', 'jonathansmith@example.com'), [
    'The password must not contain the part of your email address before the @.',
  ]);
  assert.deepEqual(policyErrors('totally unrelated phrase', 'jonathansmith@example.com'), []);
});

test('every broken rule is listed', () => {
  const error = (() => {
    try {
      checkPasswordPolicy('bob', 'bob@example.com');
    } catch (caught) {
      return caught as ApiError;
    }
    return undefined;
  })();
  assert.ok(error);
  assert.equal(error.errors?.length, 2);
  assert.match(error.detail ?? '', /at least 12 characters.*must not contain the part of your email/);
});

test("a local part of two letters does not forbid passwords containing them", () => {
  assert.deepEqual(policyErrors('jo jo jo jo jo jo', 'jo@example.com'), []);
});

test("passwords are hashed with argon2id at OWASP's parameters, with a random salt", async () => {
  const hash = await hashPassword('correct horse battery staple');
  // PHC string format: $argon2id$v=19$<params>$<salt>$<hash>, parameters in any order.
  const [, algorithm, version, params, salt, digest] = hash.split('$');
  assert.equal(algorithm, 'argon2id');
  assert.equal(version, 'v=19');
  assert.deepEqual(Object.fromEntries(params!.split(',').map((pair) => pair.split('='))), { m: '19456', t: '2', p: '1' });
  assert.equal(Buffer.from(salt!, 'base64').length, 16);
  assert.equal(Buffer.from(digest!, 'base64').length, 32);
  assert.notEqual(await hashPassword('correct horse battery staple'), hash);
});

test('verification accepts the password and refuses anything else', async () => {
  const hash = await hashPassword('correct horse battery staple');
  assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
  assert.equal(await verifyPassword(hash, 'correct horse battery stapl'), false);
  assert.equal(await verifyPassword(hash, 'Correct horse battery staple'), false);
});

test('a password typed in another Unicode composition is the same password', async () => {
  const hash = await hashPassword('cre\u0300me brûlée forever');
  assert.equal(await verifyPassword(hash, 'cr\u00e8me brûlée forever'), true);
});

test('an account without a password matches no password, not even an empty one', async () => {
  assert.equal(await verifyPassword(null, ''), false);
  assert.equal(await verifyPassword(null, 'correct horse battery staple'), false);
});

test('without a password, one argon2id verification is still spent, at the same parameters', async (t) => {
  // A spy, not a stand-in: the real verification runs. Timing itself is not asserted (no timed tests).
  const verify = t.mock.method(argon2, 'verify');
  await verifyPassword(null, 'correct horse battery staple');
  assert.equal(verify.mock.callCount(), 1);
  const [hash] = verify.mock.calls[0]!.arguments;
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
});
