// Seals every secret stored at rest again under the current TOTP_ENCRYPTION_KEY, after a rotation
// (docs/operations/security.md): `make rewrap-secrets` with the deployment's environment, that is
// DATABASE_URL, TOTP_ENCRYPTION_KEY (the new key) and TOTP_ENCRYPTION_KEY_PREVIOUS (the old ones).
// Safe to run again, and while the servers run. Prints one line per column; exits 1 when a value
// could be opened by no configured key (its row ids are printed: a key is missing from the list).
import { rewrapSealedSecrets } from '../server/src/auth/rewrap-secrets.ts';
import { ConfigError, loadConfig } from '../server/src/config.ts';
import { openDatabase } from '../server/src/db/orm.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    let unreadable = 0;
    for (const result of await rewrapSealedSecrets(db, config)) {
      console.log(`${result.column}: ${result.rewrapped} re-encrypted, ${result.unchanged} already under the current key, ${result.unreadable.length} unreadable`);
      if (result.unreadable.length > 0) console.error(`  unreadable in ${result.column}: ${result.unreadable.join(' ')}`);
      unreadable += result.unreadable.length;
    }
    if (unreadable > 0) process.exitCode = 1;
  } finally {
    await db.close();
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
