// Emails and passwords: how they are normalised, what a password must be, and how it is stored.
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { ApiError, fieldError } from '../http/problem.ts';

/** OWASP Password Storage Cheat Sheet, argon2id, first option: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
// A local part this short ("jo") is inside too many good passphrases to be worth refusing.
const MIN_LOCAL_PART_CHECKED = 3;

// Unknown emails and password-less accounts still pay one verification, against this hash of a
// random value, so the response time does not tell which emails have an account with a password.
const dummyHash = argon2.hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);

/** Unicode NFC, trimmed, lower-case: the one form an email is stored and looked up in. */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * NIST SP 800-63B §5.1.1.2: passwords are normalised (NFKC) before hashing, so the same passphrase
 * typed on two keyboards that compose characters differently is the same password.
 */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Throws E1115 naming every rule the password breaks. `email` must be normalised. */
export function checkPasswordPolicy(password: string, email: string): void {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  const broken: string[] = [];
  if (length < PASSWORD_MIN_LENGTH) broken.push(`must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  if (length > PASSWORD_MAX_LENGTH) broken.push(`must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  const localPart = email.slice(0, email.lastIndexOf('@'));
  if (localPart.length >= MIN_LOCAL_PART_CHECKED && normalized.toLowerCase().includes(localPart)) {
    broken.push('must not contain the part of your email address before the @');
  }
  if (broken.length === 0) return;
  const messages = broken.map((rule) => `The password ${rule}.`);
  throw new ApiError('E1115', messages.join(' '), { errors: messages.map((message) => fieldError('/password', message)) });
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(normalizePassword(password), ARGON2_OPTIONS);
}

/** Constant-time in the library; `null` (no password set) spends the same time and fails. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  const matches = await argon2.verify(hash ?? (await dummyHash), normalizePassword(password));
  return hash !== null && matches;
}
