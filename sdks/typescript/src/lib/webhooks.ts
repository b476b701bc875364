// The webhooks resource: the generated endpoint methods plus receiving events.
import type { Event } from '../generated/models/index.ts';
import { Webhooks as GeneratedWebhooks } from '../generated/resources/webhooks.ts';
import { verifySignature, type VerifyOptions, type WebhookHeaders } from './webhook-signature.ts';

export class Webhooks extends GeneratedWebhooks {
  /**
   * Checks the Standard Webhooks signature against one secret or several (during a rotation) and
   * returns the parsed event. Pass the raw body exactly as received: re-serialised JSON will not match.
   */
  async verify(payload: string, headers: WebhookHeaders, secrets: string | readonly string[], options: VerifyOptions = {}): Promise<Event> {
    await verifySignature(payload, headers, secrets, options);
    return JSON.parse(payload) as Event;
  }

  /** The same as `verify`, under the name other SDKs use for "verify and parse". */
  unwrap(payload: string, headers: WebhookHeaders, secrets: string | readonly string[], options: VerifyOptions = {}): Promise<Event> {
    return this.verify(payload, headers, secrets, options);
  }
}
