// Recovery codes: ten one-time codes shown once when TOTP is enabled, for a lost authenticator.
// 10 symbols of base32 each (50 bits), written "xxxxx-xxxxx". Stored as HMAC-SHA256 under a key kept
// out of the database: a fast hash is enough for random codes, and the key makes a stolen table
// useless on its own; being deterministic, the hash is also what a code is looked up by.
import { createHmac } from 'node:crypto';
import { randomBase32 } from '../db/ids.ts';

const CODES = 10;
const GROUP = 5;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: CODES }, () => `${randomBase32(GROUP)}-${randomBase32(GROUP)}`);
}

/** Case, spaces and dashes do not matter when a code is typed back. */
export function hashRecoveryCode(key: Buffer, code: string): Buffer {
  return createHmac('sha256', key).update(code.toLowerCase().replace(/[\s-]/g, '')).digest();
}
