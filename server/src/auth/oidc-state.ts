// What an OIDC sign-in must remember between the redirect to the provider and the callback,
// kept in the browser instead of a database: sealed with AES-256-GCM, so the browser can
// neither read the PKCE verifier nor forge a state it did not receive from us.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** A sign-in is good for ten minutes, like the cookie that carries it. */
export const SIGN_IN_TTL_S = 600;

const KEY_LABEL = 'transmute oidc state';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SignIn {
  provider: string;
  state: string;
  nonce: string;
  code_verifier: string;
  /** Seconds since the epoch. */
  iat: number;
}

export class SignInSeal {
  readonly #key: Buffer;

  /** `secret` is shared with other uses (JWT signing): HKDF gives this one its own key. */
  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), KEY_LABEL, 32));
  }

  seal(signIn: SignIn): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(signIn), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The sign-in, if `value` is one we sealed for `provider` less than ten minutes ago. */
  open(value: string, provider: string): SignIn | undefined {
    const signIn = this.#decrypt(value);
    if (signIn?.provider !== provider) return undefined;
    const ageS = Date.now() / 1000 - signIn.iat;
    return ageS <= SIGN_IN_TTL_S ? signIn : undefined;
  }

  #decrypt(value: string): SignIn | undefined {
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    let plain: string;
    try {
      plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
    const parsed: unknown = JSON.parse(plain);
    return isSignIn(parsed) ? parsed : undefined;
  }
}

function isSignIn(value: unknown): value is SignIn {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.provider === 'string' &&
    typeof v.state === 'string' &&
    typeof v.nonce === 'string' &&
    typeof v.code_verifier === 'string' &&
    typeof v.iat === 'number'
  );
}
