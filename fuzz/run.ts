// `make fuzz`: schemathesis against the real server on its own database of the real PostgreSQL,
// the SDK contract suites' environment (server, OpenID provider, loopback webhooks), with the
// plans' limits lifted so a 429 never stands in for the answer under test. Usage:
//   node fuzz/run.ts <schemathesis executable> [extra `st run` options]
// Authenticates with an API key holding every key scope and a signed-up user's access token
// (fuzz/schemathesis.toml says which goes where), seeds one real object per kind an operation
// takes by id and accounts with two-factor sign-in (seed.ts), serves the walk through the identity
// provider's sign-in to the hooks (the contract environment's driver), and exits with
// schemathesis's status.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startContractEnvironment, startDriver } from '../sdks/conformance/contract/environment.ts';
import { PASSWORD, signUp } from '../server/test/support/server.ts';
import { writeUnlimitedPlans } from '../loadtest/bench/unlimited-plans.ts';
import { seed, seedTwoFactorAccounts } from './seed.ts';

const [schemathesis, ...extra] = process.argv.slice(2);
if (!schemathesis) {
  process.stderr.write('usage: node fuzz/run.ts <schemathesis executable> [st run options]\n');
  process.exit(2);
}

const HERE = import.meta.dirname;
const workDir = mkdtempSync(join(tmpdir(), 'transmute-fuzz-'));
let code = 1;
try {
  const environment = await startContractEnvironment({ PLANS_FILE: writeUnlimitedPlans(workDir) });
  const driver = await startDriver(environment);
  try {
    const url = environment.server.url;
    const user = await signUp(url, 'fuzz@example.com');
    const ids = await seed(url, environment.key, user.access);
    code = await run(schemathesis, ['--config-file', join(HERE, 'schemathesis.toml'), 'run', `${url}/openapi.json`, '--url', url, ...extra], {
      TRANSMUTE_FUZZ_URL: url,
      TRANSMUTE_FUZZ_KEY: environment.key,
      TRANSMUTE_FUZZ_TOKEN: user.access,
      TRANSMUTE_FUZZ_PASSWORD: PASSWORD,
      TRANSMUTE_FUZZ_HOOKS: join(HERE, 'hooks.py'),
      TRANSMUTE_FUZZ_IDS: JSON.stringify(ids),
      TRANSMUTE_FUZZ_TWO_FACTOR: JSON.stringify(await seedTwoFactorAccounts(url)),
      TRANSMUTE_FUZZ_DRIVER: driver.url,
    });
  } finally {
    driver.server.close();
    await environment.stop();
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(code);

function run(command: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: HERE, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });
}
