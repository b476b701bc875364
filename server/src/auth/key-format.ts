// The shape of an API key: `tm_<lookup>_<secret>`.
// - `tm_` makes a leaked key recognisable (secret scanners, log redaction).
// - `<lookup>`: 16 base32 characters (80 bits), public, the only part the database is searched by.
// - `<secret>`: 32 random bytes (256 bits) as 43 base64url characters; only its HMAC is stored.
// Both parts have fixed lengths, so the `_` that base64url may contain never makes parsing ambiguous.
import { randomBytes } from 'node:crypto';
import { randomBase32 } from '../db/ids.ts';

export const KEY_PREFIX = 'tm_';
const LOOKUP_LENGTH = 16;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^tm_([0-9a-hjkmnp-tv-z]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyParts {
  lookupId: string;
  secret: string;
}

export function generateApiKey(): ApiKeyParts & { presented: string } {
  const lookupId = randomBase32(LOOKUP_LENGTH);
  const secret = newSecret();
  return { lookupId, secret, presented: formatApiKey(lookupId, secret) };
}

/** A secret alone: rotation gives a key a new one and keeps its lookup id. */
export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

export function formatApiKey(lookupId: string, secret: string): string {
  return `${KEY_PREFIX}${lookupId}_${secret}`;
}

export function parseApiKey(presented: string): ApiKeyParts | undefined {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return undefined;
  return { lookupId: match[1]!, secret: match[2]! };
}
