// Rotating TOTP_ENCRYPTION_KEY on a real PostgreSQL: with the old key among the previous ones, every
// secret sealed under it keeps working; make rewrap-secrets (scripts/rewrap-secrets.ts, run here as
// a child process too) seals them all under the new key, in batches and idempotently, after which
// the old key is no longer needed for them. Users enable two-factor authentication the way a user
// does, with codes from an independent authenticator (the otpauth package).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as OTPAuth from 'otpauth';
import { createIdentity, type Identity } from '../../src/auth/identity.ts';
import { rewrapSealedSecrets } from '../../src/auth/rewrap-secrets.ts';
import { newId } from '../../src/db/ids.ts';
import { SigningSecrets } from '../../src/webhooks/secrets.ts';
import { type IdentityFixture, META, newEmail, PASSWORD, startIdentity } from './fixture.ts';

const SCRIPT = fileURLToPath(new URL('../../../scripts/rewrap-secrets.ts', import.meta.url));
const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const ROTATED = { totpEncryptionKey: NEW, totpEncryptionKeysPrevious: [OLD] };
const NEW_ONLY = { totpEncryptionKey: NEW, totpEncryptionKeysPrevious: [] };

let f: IdentityFixture;

before(async () => {
  f = await startIdentity({ TOTP_ENCRYPTION_KEY: OLD });
});
after(() => f?.close());

const under = (keys: typeof ROTATED): Identity => createIdentity(f.db, { ...f.testDb.config, ...keys }, f.audit, { now: f.clock.now });
const code = (app: OTPAuth.TOTP) => app.generate({ timestamp: f.clock.now().getTime() });
const sql = (text: string, params: unknown[] = []) => f.db.orm.em.fork().execute<any[]>(text, params);

async function newUser(): Promise<string> {
  return (await f.identity.accounts.signup({ email: newEmail(), password: PASSWORD }, META)).account.id;
}

/** A user whose TOTP was set up under the key in use, and enabled unless `pending`. */
async function totpUser(pending = false): Promise<{ id: string; app: OTPAuth.TOTP; recoveryCodes: string[] }> {
  const id = await newUser();
  const app = OTPAuth.URI.parse((await f.identity.mfa.setup(id)).otpauth_url) as OTPAuth.TOTP;
  const recoveryCodes = pending ? [] : await f.identity.mfa.enable(id, code(app), META);
  return { id, app, recoveryCodes };
}

/** A webhook endpoint row whose signing key was sealed under `keys`, as WebhookService stores it. */
async function endpoint(keys: typeof ROTATED): Promise<{ id: string; key: Buffer }> {
  const id = newId('whep');
  const { sealed, secret } = new SigningSecrets(keys).issue(id);
  await sql(
    `insert into webhook_endpoints (id, account_id, url, events, secret, created_at, updated_at) values (?, ?, 'https://example.com/hooks', '{job.succeeded}', ?, now(), now())`,
    [id, await newUser(), sealed],
  );
  return { id, key: Buffer.from(secret.slice('whsec_'.length), 'base64') };
}

async function sealedOf(table: string, column: string, id: string): Promise<Buffer> {
  return (await sql(`select ${column} as v from ${table} where id = ?`, [id]))[0].v;
}

test('rotation: previous keys keep everything working, the rewrap moves it all to the new key, and a second run changes nothing', async () => {
  const enabled = [await totpUser(), await totpUser(), await totpUser()];
  const pending = await totpUser(true);
  const hook = await endpoint({ totpEncryptionKey: OLD, totpEncryptionKeysPrevious: [] });
  f.clock.advance(30); // the enabling codes' step is spent

  // Deployed with the new key and the old one as previous: nothing breaks.
  const rotated = under(ROTATED);
  assert.equal(await rotated.mfa.verifyCode(enabled[0]!.id, code(enabled[0]!.app), META), 'totp');
  assert.equal(await rotated.mfa.verifyCode(enabled[1]!.id, enabled[1]!.recoveryCodes[0]!, META), 'recovery_code');
  assert.deepEqual(new SigningSecrets(ROTATED).open(await sealedOf('webhook_endpoints', 'secret', hook.id), hook.id), hook.key);
  // Without the old key, what it sealed is unreadable: what the rewrap is for.
  await assert.rejects(under(NEW_ONLY).mfa.verifyCode(enabled[2]!.id, code(enabled[2]!.app), META), /cannot be opened/);

  // Batches of 2: three enabled secrets take two batches.
  const first = await rewrapSealedSecrets(f.db, ROTATED, 2);
  assert.deepEqual(
    first.map((r) => [r.column, r.rewrapped, r.unchanged, r.unreadable.length]),
    [
      ['accounts.totp_secret', 3, 0, 0],
      ['accounts.totp_pending_secret', 1, 0, 0],
      ['webhook_endpoints.secret', 1, 0, 0],
      ['webhook_endpoints.previous_secret', 0, 0, 0],
    ],
  );
  const again = await rewrapSealedSecrets(f.db, ROTATED, 2);
  assert.deepEqual(again.map((r) => [r.rewrapped, r.unchanged]), [[0, 3], [0, 1], [0, 1], [0, 0]]);

  // The old key removed: the rewrapped secrets work under the new one alone.
  f.clock.advance(30);
  const newOnly = under(NEW_ONLY);
  for (const user of enabled) assert.equal(await newOnly.mfa.verifyCode(user.id, code(user.app), META), 'totp');
  assert.equal((await newOnly.mfa.enable(pending.id, code(pending.app), META)).length, 10);
  assert.deepEqual(new SigningSecrets(NEW_ONLY).open(await sealedOf('webhook_endpoints', 'secret', hook.id), hook.id), hook.key);
  // Recovery codes are hashes, which cannot be re-keyed: those given before the rotation need the
  // old key among the previous ones (docs/operations/security.md says so).
  assert.equal(await newOnly.mfa.verifyCode(enabled[2]!.id, enabled[2]!.recoveryCodes[0]!, META), undefined);
  assert.equal(await rotated.mfa.verifyCode(enabled[2]!.id, enabled[2]!.recoveryCodes[0]!, META), 'recovery_code');
});

test('make rewrap-secrets re-encrypts, then reports a value no configured key opens and exits 1', async () => {
  // Four enabled by the test above, all under the new key now; this one under the old.
  const user = await totpUser();
  const stranger = await endpoint({ totpEncryptionKey: 's'.repeat(40), totpEncryptionKeysPrevious: [] });
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    DATABASE_URL: f.testDb.url,
    DATA_DIR: f.testDb.config.dataDir,
    TOTP_ENCRYPTION_KEY: NEW,
    TOTP_ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString('base64url')},${OLD}`,
  };
  const failed = await promisify(execFile)(process.execPath, [SCRIPT], { env }).then(
    () => assert.fail('exit 0 with an unreadable value'),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /^accounts\.totp_secret: 1 re-encrypted, 4 already under the current key, 0 unreadable$/m);
  assert.match(failed.stdout, /^webhook_endpoints\.secret: 0 re-encrypted, 1 already under the current key, 1 unreadable$/m);
  assert.match(failed.stderr, new RegExp(`unreadable in webhook_endpoints\\.secret: ${stranger.id}`));
  assert.ok(!failed.stdout.includes(NEW) && !failed.stderr.includes(OLD), 'no key is printed');

  f.clock.advance(30);
  assert.equal(await under(NEW_ONLY).mfa.verifyCode(user.id, code(user.app), META), 'totp');
  await sql('delete from webhook_endpoints where id = ?', [stranger.id]);
  const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT], { env });
  assert.match(stdout, /^accounts\.totp_secret: 0 re-encrypted, 5 already under the current key, 0 unreadable$/m);
});
