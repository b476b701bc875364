// Signing secrets (Standard Webhooks): `whsec_` and the base64 of 32 random bytes, the HMAC key.
// Unlike API keys they cannot be stored as hashes, because every delivery is signed with them, so
// they are stored sealed (AES-256-GCM, auth/secret-box.ts) under a key derived for this use alone,
// and bound to their endpoint's id so a sealed value copied to another row does not open there.
import { randomBytes } from 'node:crypto';
import { secretBoxFor, type SealingKeys, type SecretBox } from '../auth/secret-box.ts';

const PREFIX = 'whsec_';
export const WEBHOOK_SECRET_PURPOSE = 'webhook-secret';
const KEY_BYTES = 32;

export class SigningSecrets {
  readonly #box: SecretBox;

  /** `keys`: the configuration's TOTP_ENCRYPTION_KEY (and previous ones), the secret for data sealed at rest. */
  constructor(keys: SealingKeys) {
    this.#box = secretBoxFor(keys, WEBHOOK_SECRET_PURPOSE);
  }

  /** A new signing key, sealed for the endpoint, and the whsec_ secret to show its owner once. */
  issue(endpointId: string): { sealed: Buffer; secret: string } {
    const key = randomBytes(KEY_BYTES);
    return { sealed: this.#box.seal(key, endpointId), secret: PREFIX + key.toString('base64') };
  }

  /** The HMAC key sealed for the endpoint. */
  open(sealed: Buffer, endpointId: string): Buffer {
    return this.#box.open(sealed, endpointId);
  }
}
