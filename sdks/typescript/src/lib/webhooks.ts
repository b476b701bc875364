// The webhooks resource: the generated endpoint methods plus receiving events.
import type { Event } from '../generated/models/index.ts';
import { Webhooks as GeneratedWebhooks } from '../generated/resources/webhooks.ts';
import { verifySignature, type VerifyOptions, type WebhookHeaders } from './webhook-signature.ts';

export class Webhooks extends GeneratedWebhooks {
  /**
   * Rejects with WebhookVerificationError unless a Standard Webhooks signature matches one of
   * `secrets` (several during a rotation) within 5 minutes. Pass the raw body exactly as received:
   * re-serialised JSON will not match.
   */
  async verify(payload: string, headers: WebhookHeaders, secrets: string | readonly string[], options: VerifyOptions = {}): Promise<void> {
    await verifySignature(payload, headers, secrets, options);
  }

  /** Verifies as `verify` does, then parses the event; unknown event types and fields are kept. */
  async unwrap(payload: string, headers: WebhookHeaders, secrets: string | readonly string[], options: VerifyOptions = {}): Promise<Event> {
    await this.verify(payload, headers, secrets, options);
    return JSON.parse(payload) as Event;
  }
}
