// Real objects for the operations that take an id: with only generated ids every such case is a 404
// and the handler behind it never runs. fuzz/hooks.py puts these ids in place of the generated one
// in part of the cases (the rest keep testing the 404 path). And accounts with two-factor sign-in,
// whose recovery codes let those cases of the second log-in step (completeMfaLogin) sign in.
import * as OTPAuth from 'otpauth';
import { call, signUp } from '../server/test/support/server.ts';

/** Path prefixes of the operations taking `{id}`, each with the id of a real object of its kind. */
export type SeededIds = Record<'/v1/jobs/' | '/v1/webhook-endpoints/' | '/v1/events/' | '/v1/api-keys/' | '/v1/me/exports/', string>;

/** An account that signs in with a second factor (the password is the tests' PASSWORD). */
export interface TwoFactorAccount {
  email: string;
  /** Each completes one second log-in step. */
  recovery_codes: string[];
}

// Ten recovery codes each: enough for the cases of completeMfaLogin hooks.py makes real in a default
// run (about one in two of 25 per phase), with room to spare.
const TWO_FACTOR_ACCOUNTS = 3;

async function created(url: string, init: Parameters<typeof call>[1], what: string): Promise<any> {
  const res = await call(url, init);
  if (res.status >= 300) throw new Error(`seeding ${what} failed: ${res.status} ${res.text}`);
  return res.body;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 150; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`seeding: ${what} did not happen within 30 s`);
}

/**
 * `key` owns the job, the webhook endpoint and the event the job's success raises; `token` (a user)
 * owns the API key and the data export. The endpoint delivers to a closed loopback port: its
 * deliveries fail at once, which is all the fuzzing needs of them.
 */
export async function seed(base: string, key: string, token: string): Promise<SeededIds> {
  const endpoint = await created(`${base}/v1/webhook-endpoints`, { key, body: { url: 'http://127.0.0.1:9/fuzz', events: ['job.succeeded'] } }, 'a webhook endpoint');
  const job = await created(`${base}/v1/jobs`, { key, body: { from: 'csv', to: 'json', input: 'name,age\nAda,36\n' } }, 'a job');
  await until('the job', async () => ((await call(`${base}/v1/jobs/${job.id}`, { key })).body.status === 'succeeded' ? true : undefined));
  const event = await until('its job.succeeded event', async () => (await call(`${base}/v1/events`, { key })).body.data?.[0]?.id as string | undefined);
  const apiKey = await created(`${base}/v1/api-keys`, { token, body: { name: 'fuzz', scopes: ['jobs:read'] } }, 'an API key');
  const exported = await call(`${base}/v1/me/exports`, { token, method: 'POST' });
  if (exported.status !== 202) throw new Error(`seeding a data export failed: ${exported.status} ${exported.text}`);
  return {
    '/v1/jobs/': job.id,
    '/v1/webhook-endpoints/': endpoint.endpoint.id,
    '/v1/events/': event,
    '/v1/api-keys/': apiKey.api_key.id,
    '/v1/me/exports/': exported.body.id,
  };
}

async function twoFactorAccount(base: string, email: string): Promise<TwoFactorAccount> {
  const user = await signUp(base, email);
  const setup = await created(`${base}/v1/auth/2fa/setup`, { token: user.access, method: 'POST' }, 'a TOTP secret');
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.secret), digits: 6, period: 30, algorithm: 'SHA1' });
  const enabled = await created(`${base}/v1/auth/2fa/enable`, { token: user.access, body: { code: totp.generate() } }, 'two-factor sign-in');
  return { email, recovery_codes: enabled.recovery_codes };
}

/** Accounts with two-factor sign-in enabled, and their recovery codes. */
export async function seedTwoFactorAccounts(base: string): Promise<TwoFactorAccount[]> {
  return Promise.all(Array.from({ length: TWO_FACTOR_ACCOUNTS }, (_, i) => twoFactorAccount(base, `fuzz-mfa${i + 1}@example.com`)));
}
