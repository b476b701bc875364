// Time-based one-time passwords, RFC 6238 over HOTP (RFC 4226): HMAC-SHA-1, 6 digits, 30-second
// steps: the otpauth URL's defaults, which every authenticator app supports, so the URL leaves them
// out. A code is accepted one step either side of now, for clocks that drift.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const STEP_S = 30;
const DIGITS = 6;
const WINDOW_STEPS = 1;
// RFC 4226 §4 R6 recommends 160 bits, the length of the HMAC-SHA-1 key.
const SECRET_BYTES = 20;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const TOTP_ISSUER = 'Transmute';

export function newTotpSecret(): Buffer {
  return randomBytes(SECRET_BYTES);
}

/** RFC 4648 base32, upper-case, unpadded: the form authenticator apps read. */
export function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The Key Uri Format the authenticator apps scan (github.com/google/google-authenticator wiki). */
export function otpauthUrl(secret: Buffer, email: string): string {
  const label = `${TOTP_ISSUER}:${encodeURIComponent(email)}`;
  return `otpauth://totp/${label}?secret=${base32(secret)}&issuer=${TOTP_ISSUER}`;
}

export function timeStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / STEP_S);
}

/** HOTP(secret, step), RFC 4226 §5.3, as the zero-padded decimal string a user types. */
export function totpCode(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

export function looksLikeTotpCode(code: string): boolean {
  return code.length === DIGITS && /^[0-9]+$/.test(code);
}

/**
 * The step within the window at `at` whose code is `code`, skipping steps at or before `lastStep`
 * (RFC 6238 §5.2: a code is accepted once). Every step is compared, in constant time.
 */
export function matchingStep(secret: Buffer, code: string, at: Date, lastStep: number | null): number | undefined {
  if (!looksLikeTotpCode(code)) return undefined;
  const presented = Buffer.from(code);
  const now = timeStep(at);
  let found: number | undefined;
  for (let step = now - WINDOW_STEPS; step <= now + WINDOW_STEPS; step++) {
    const matches = timingSafeEqual(Buffer.from(totpCode(secret, step)), presented);
    if (matches && found === undefined && (lastStep === null || step > lastStep)) found = step;
  }
  return found;
}
