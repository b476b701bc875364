// Standard Webhooks verification (standardwebhooks.com, "Verifying webhooks"): HMAC-SHA256 of
// `${webhook-id}.${webhook-timestamp}.${body}` keyed by the base64 secret after `whsec_`, sent as
// space-separated `v1,<base64>` entries. Web Crypto keeps it usable in browsers as well as Node.
import { TransmuteError } from '../internal/errors.ts';

/** Messages older or newer than this are refused, so a captured request cannot be replayed later. */
export const WEBHOOK_TOLERANCE_S = 5 * 60;

export class WebhookVerificationError extends TransmuteError {
  override name = 'WebhookVerificationError';
}

export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyOptions {
  /** Seconds since the epoch to check the timestamp against; default the clock. */
  now?: number;
}

/** Resolves when one signature matches one secret within the tolerance; else rejects with why. */
export async function verifySignature(payload: string, headers: WebhookHeaders, secrets: string | readonly string[], options: VerifyOptions = {}): Promise<void> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header.');
  const sentAt = /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(sentAt)) throw new WebhookVerificationError('Invalid webhook-timestamp header.');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - sentAt) > WEBHOOK_TOLERANCE_S) throw new WebhookVerificationError('Webhook timestamp is outside the 5 minute tolerance.');

  const candidates = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => base64ToBytes(s.slice(3)));
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${payload}`);
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const expected = await hmac(secret, signed);
    if (candidates.some((candidate) => constantTimeEqual(candidate, expected))) return;
  }
  throw new WebhookVerificationError('No webhook signature matches the secret(s).');
}

async function hmac(secret: string, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const raw = base64ToBytes(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
}

/** Compares every byte whatever differs first, so timing reveals nothing about the expected value. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(' ') : (value as string | undefined);
}
