// What a run needs in the database: an enterprise account with an API key (scripts/api-key.ts)
// and a signed-in user (signed up through the API, as a customer would). Run them under
// ../bench/unlimited-plans.ts, so the run measures latency, not the rate limiter.
import { randomBytes } from 'node:crypto';
import { runScript } from '../bench/processes.ts';

/** Unique per run: a shared DATABASE_URL keeps the accounts of earlier runs. */
function runEmail(kind: string): string {
  return `loadtest-${kind}-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
}

export async function createApiKey(env: Record<string, string | undefined>, root: string): Promise<string> {
  return runScript('scripts/api-key.ts', ['--email', runEmail('key'), '--plan', 'enterprise'], env, root);
}

export async function signUpUser(apiRoot: string): Promise<string> {
  const response = await fetch(new URL('/v1/auth/signup', apiRoot), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: runEmail('user'), password: randomBytes(18).toString('base64url'), name: 'Load Test' }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`sign-up answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { tokens: { access_token: string } }).tokens.access_token;
}
