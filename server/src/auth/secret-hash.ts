// Keys are stored as HMAC-SHA256(pepper, secret). A plain fast hash would do against guessing (the
// secret has 256 bits), but the pepper, kept out of the database, also makes a stolen table useless
// on its own. A slow password hash would cost every uncached request milliseconds for nothing.
import { createHmac, hash, timingSafeEqual } from 'node:crypto';

export function hashSecret(pepper: string, secret: string): Buffer {
  return createHmac('sha256', pepper).update(secret).digest();
}

/**
 * SHA-256 of a secret, for recognising in memory one that already matched its stored hash: a
 * one-shot hash costs a fraction of the HMAC, which was the largest single cost of authenticating a
 * request with a cached key (make bench's profile). Never stored.
 */
export function digestSecret(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** Constant-time equality of two digests, so response time says nothing about how much matched. */
export function sameHash(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}
