// Standard Webhooks signatures: `v1,` and the base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>",
// one per signing key, separated by spaces (several while a rotated secret is still honoured).
import { createHmac } from 'node:crypto';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** `keys`: the HMAC keys (the bytes behind whsec_), newest first. */
export function signDelivery(keys: readonly Buffer[], id: string, timestampS: number, body: string): SignedHeaders {
  const timestamp = String(timestampS);
  const signatures = keys.map((key) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
