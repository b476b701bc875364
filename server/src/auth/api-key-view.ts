// An API key as the API shows it (the spec's ApiKey schema): never a secret or a hash.
import type { ApiKeyRecord } from '../db/api-key-store.ts';
import { KEY_PREFIX } from './key-format.ts';
import type { KeyScope } from './scopes.ts';
import type { components } from '../generated/api-types.ts';

/** The spec's ApiKey schema: the type comes from the generated types, never written twice. */
export type ApiKeyView = components['schemas']['ApiKey'];

export function toApiKeyView(key: ApiKeyRecord): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: KEY_PREFIX + key.keyPrefix,
    // Stored scopes were checked against the spec's list when the key was created.
    scopes: key.scopes as KeyScope[],
    allowed_ips: key.allowedIps,
    created_at: key.createdAt.toISOString(),
    expires_at: iso(key.expiresAt),
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
    rotated_at: iso(key.rotatedAt),
    previous_secret_expires_at: iso(key.previousSecretExpiresAt),
  };
}

function iso(at: Date | null): string | null {
  return at === null ? null : at.toISOString();
}
