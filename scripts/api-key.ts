// Issues an API key with every scope for an account, creating the account if needed:
//   node scripts/api-key.ts --email dev@example.com --plan free     (make api-key EMAIL=… PLAN=…)
// Only the key goes to stdout, so `KEY=$(make -s api-key …)` works; everything else goes to stderr.
// Uses DATABASE_URL, else the embedded database in DATA_DIR, started here or already run by a server.
import { parseArgs } from 'node:util';
import { ApiKeyService } from '../server/src/auth/api-keys.ts';
import { KEY_SCOPES } from '../server/src/auth/scopes.ts';
import { ConfigError, loadConfig } from '../server/src/config.ts';
import { PLANS, type Plan } from '../server/src/db/entities.ts';
import { openDatabase } from '../server/src/db/orm.ts';

const USAGE = `usage: node scripts/api-key.ts --email <address> --plan <${PLANS.join('|')}>`;
const EXIT_USAGE = 2;

class UsageError extends Error {}

function readArgs(argv: string[]): { email: string; plan: Plan } {
  let values: { email?: string; plan?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { email: { type: 'string' }, plan: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { email, plan } = values;
  if (email === undefined || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError('--email must be an email address');
  if (!PLANS.includes(plan as Plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}`);
  return { email, plan: plan as Plan };
}

async function main(): Promise<void> {
  const { email, plan } = readArgs(process.argv.slice(2));
  const config = loadConfig();
  const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
  const db = await openDatabase(config, verbose ? { log: (line) => console.error(line) } : {});
  const keys = new ApiKeyService(db, config);
  try {
    await db.migrate();
    const account = await keys.findOrCreateAccount(email, plan);
    if (account.plan !== plan) console.error(`account ${account.id} exists on plan ${account.plan}; --plan ${plan} ignored`);
    const { key, secret } = await keys.create(account.id, { name: 'cli', scopes: KEY_SCOPES });
    console.error(`created ${key.id} for ${account.email} (${account.id}) with scopes ${key.scopes.join(' ')}`);
    process.stdout.write(`${secret}\n`);
  } finally {
    await keys.close();
    await db.close();
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exitCode = EXIT_USAGE;
  } else {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exitCode = 1;
  }
}
