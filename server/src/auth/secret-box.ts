// Secrets that must be read back (TOTP seeds, webhook signing keys, stored idempotent responses) are
// stored encrypted: AES-256-GCM, a random 12-byte IV per value. The caller's context (the account
// or endpoint id) is bound in as additional data, so a value copied into another row does not
// decrypt there.
//
// The key can be rotated (docs/operations/security.md): values are sealed under the current key and
// opened under whichever configured key sealed them, so a value sealed before a rotation keeps
// working until scripts/rewrap-secrets.ts seals it again under the current one. A value is stored as
//   0x01 | key id (4 bytes) | iv | tag | ciphertext
// where the key id is a fingerprint of the key (the first bytes of its SHA-256; the key is 256 bits
// of HKDF output, so they tell nothing about it). Values sealed before key ids existed are
// iv | tag | ciphertext; they are opened by trying each key. Their first byte is random, so one in
// 256 of them looks like the new form: a value whose key id matches no key, or that fails under the
// key it names, is tried in the old form too. GCM's tag makes a wrong guess fail, never misread.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deriveKey } from './derive-key.ts';

const VERSION = 0x01;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;

/** The operator's keys for data sealed at rest: TOTP_ENCRYPTION_KEY and TOTP_ENCRYPTION_KEY_PREVIOUS. */
export interface SealingKeys {
  totpEncryptionKey: string;
  totpEncryptionKeysPrevious: readonly string[];
}

interface Key {
  id: Buffer;
  bytes: Buffer;
}

export class SecretBox {
  readonly #current: Key;
  /** The current key first: most values are sealed under it. */
  readonly #keys: Key[];

  /** `key`: 32 bytes, seals and opens; `previous`: 32 bytes each, open only. */
  constructor(key: Buffer, previous: readonly Buffer[] = []) {
    this.#keys = [key, ...previous].map((bytes) => {
      if (bytes.length !== 32) throw new RangeError('SecretBox needs 32-byte keys');
      return { id: createHash('sha256').update(bytes).digest().subarray(0, KEY_ID_BYTES), bytes };
    });
    this.#current = this.#keys[0]!;
  }

  seal(plain: Buffer, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current.bytes, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), this.#current.id, iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Throws when the value was altered, sealed under none of the keys, or for another context. */
  open(sealed: Buffer, context: string): Buffer {
    const named = this.#namedKey(sealed);
    if (named !== undefined) {
      const plain = tryOpen(named.bytes, sealed.subarray(HEADER_BYTES), context);
      if (plain !== undefined) return plain;
    }
    for (const key of this.#keys) {
      const plain = tryOpen(key.bytes, sealed, context);
      if (plain !== undefined) return plain;
    }
    throw new Error('sealed value cannot be opened: altered, sealed under a key not configured, or for another context');
  }

  /** Whether `sealed` names the current key: the re-encryption leaves such values alone. */
  isCurrent(sealed: Buffer): boolean {
    return this.#namedKey(sealed) === this.#current;
  }

  #namedKey(sealed: Buffer): Key | undefined {
    if (sealed.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) return undefined;
    const id = sealed.subarray(1, HEADER_BYTES);
    return this.#keys.find((key) => key.id.equals(id));
  }
}

/** The box for one use (`purpose`) of the operator's keys, each derived for that use alone. */
export function secretBoxFor(keys: SealingKeys, purpose: string): SecretBox {
  return new SecretBox(
    deriveKey(keys.totpEncryptionKey, purpose),
    keys.totpEncryptionKeysPrevious.map((key) => deriveKey(key, purpose)),
  );
}

function tryOpen(key: Buffer, value: Buffer, context: string): Buffer | undefined {
  if (value.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, value.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(value.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(value.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
