// The environment a measured server runs with: production settings, logs included (writing them
// is part of what a request costs), fresh secrets per run, on the run's database.
import { randomBytes } from 'node:crypto';

// Production refuses to start without these (server/src/config.ts, SECRETS).
const PRODUCTION_SECRETS = ['API_KEY_PEPPER', 'JWT_SECRET', 'TOTP_ENCRYPTION_KEY'];

export function serviceEnv(databaseUrl: string): Record<string, string | undefined> {
  return {
    ...process.env,
    ...Object.fromEntries(PRODUCTION_SECRETS.map((name) => [name, randomBytes(32).toString('hex')])),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_URL: undefined,
    // Off in production: a measurement measures what production runs.
    RESPONSE_VALIDATION: 'false',
    DATABASE_URL: databaseUrl,
  };
}
