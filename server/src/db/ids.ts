// Prefixed opaque ids (`acct_…`, `key_…`, DESIGN.md "fields, ids"). The body is 10 characters of
// millisecond time then 14 of randomness, in lowercase Crockford base32: the alphabet is in ASCII
// order, so ids sort by creation time (cursor pagination and index locality come for free), and it
// has no `_`, `-` or look-alike letters, so an id survives being copied by hand.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10; // 50 bits: ms timestamps until the year 37,648
const RANDOM_CHARS = 14; // 70 bits

export type IdPrefix = 'acct' | 'key' | 'aud' | 'rt' | 'sess' | 'rc' | 'oidc' | 'whep' | 'evt' | 'whob' | 'whdl' | 'exp' | 'cns' | 'job';

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${randomBase32(RANDOM_CHARS)}`;
}

/** `length` characters of base32, 5 bits of crypto randomness each. */
export function randomBase32(length: number): string {
  let out = '';
  // 256 is a multiple of 32, so masking a byte keeps every character equally likely.
  for (const byte of randomBytes(length)) out += ALPHABET[byte & 31];
  return out;
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}
