// One configured secret, several keys: each use gets its own, derived with HKDF (RFC 5869), so a
// key exposed by one use says nothing about another.
import { hkdfSync } from 'node:crypto';

/** 32 bytes for `purpose`, derived from `secret` (already high-entropy, so no salt is needed). */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `transmute:${purpose}`, 32));
}
