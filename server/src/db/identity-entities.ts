// The tables of signed-in users (issue 3 §1–§3): refresh tokens, recovery codes, linked identity
// providers, and the MFA tokens already spent. The account's own columns are on Account.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Account } from './entities.ts';

// The account relation names its target by entity name, not by the imported value: entities.ts
// imports this file for its ENTITIES list, and a value import back would make whichever of the
// two loads first read the other's exports before they exist.
const account = () => p.manyToOne('Account' as unknown as typeof Account).deleteRule('cascade');

const now = () => new Date();

export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: p.text().primary(),
    account: account(),
    /** The family: every token rotated from one sign-in shares it, and log-out revokes it whole. */
    sessionId: p.text(),
    /** SHA-256 of the token (session-tokens.ts says why a fast hash is enough). */
    tokenHash: p.blob().$type<Buffer>().unique(),
    createdAt: p.datetime().onCreate(now),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    ip: p.text().nullable(),
    userAgent: p.text().nullable(),
  },
  // expiresAt and revokedAt: the purge (auth/refresh-token-purge.ts) finds its rows by them.
  indexes: [{ properties: ['sessionId'] }, { properties: ['account'] }, { properties: ['expiresAt'] }, { properties: ['revokedAt'] }],
});
export type RefreshToken = InferEntity<typeof RefreshToken>;

export const RecoveryCode = defineEntity({
  name: 'RecoveryCode',
  tableName: 'recovery_codes',
  properties: {
    id: p.text().primary(),
    account: account(),
    /** HMAC-SHA256 under a key derived from the TOTP encryption key (recovery-codes.ts). */
    codeHash: p.blob().$type<Buffer>(),
    createdAt: p.datetime().onCreate(now),
    usedAt: p.datetime().nullable(),
  },
  // A code is looked up by its account and hash together.
  uniques: [{ properties: ['account', 'codeHash'] }],
});
export type RecoveryCode = InferEntity<typeof RecoveryCode>;

export const OidcIdentity = defineEntity({
  name: 'OidcIdentity',
  tableName: 'oidc_identities',
  properties: {
    id: p.text().primary(),
    account: account(),
    provider: p.text(),
    /** The provider's `sub`: stable, unlike the email, so a changed email still finds the account. */
    subject: p.text(),
    createdAt: p.datetime().onCreate(now),
  },
  uniques: [{ properties: ['provider', 'subject'] }],
  indexes: [{ properties: ['account'] }],
});
export type OidcIdentity = InferEntity<typeof OidcIdentity>;

/** An mfa_token's jti, kept until the token expires so it cannot complete a second log-in. */
export const SpentMfaToken = defineEntity({
  name: 'SpentMfaToken',
  tableName: 'spent_mfa_tokens',
  properties: {
    jti: p.text().primary(),
    expiresAt: p.datetime().index(),
  },
});
export type SpentMfaToken = InferEntity<typeof SpentMfaToken>;

export const IDENTITY_ENTITIES = [RefreshToken, RecoveryCode, OidcIdentity, SpentMfaToken];
