// Configuration is read once, from the environment, and validated against a schema before
// anything else starts: a wrong value stops the process with the variable's name, never later
// with a stack trace (brief, critical issue 1).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const MIN_SECRET_LENGTH = 32;

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./.data'),
  DATABASE_URL: z.url().optional(),
  EMBEDDED_PG_PORT: int(1, 65535).default(54329),
  DB_POOL_MIN: int(0, 100).default(2),
  DB_POOL_MAX: int(1, 200).default(10),
  DB_IDLE_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  DB_ACQUIRE_TIMEOUT_MS: int(100, 120_000).default(5_000),
  API_KEY_PEPPER: z.string().optional(),
  API_KEY_CACHE_TTL_MS: int(0, 600_000).default(30_000),
  API_KEY_TOUCH_INTERVAL_MS: int(100, 600_000).default(10_000),
  TRUST_PROXY: bool.default(false),
  CORS_ORIGINS: list.default([]),
  RESPONSE_VALIDATION: bool.optional(),
  SHUTDOWN_TIMEOUT_MS: int(0, 300_000).default(10_000),
  HEADERS_TIMEOUT_MS: int(1_000, 120_000).default(10_000),
  REQUEST_TIMEOUT_MS: int(1_000, 600_000).default(30_000),
  KEEP_ALIVE_TIMEOUT_MS: int(1_000, 120_000).default(5_000),
  CONVERSION_MAX_DEPTH: int(1, 1_000).default(64),
  CONVERSION_MAX_RECORDS: int(1, 10_000_000).default(100_000),
});

/** The variables this module reads, all as strings, as in `process.env`. */
export type Env = Partial<Record<keyof z.input<typeof schema>, string>>;

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  publicUrl: string | undefined;
  logLevel: string;
  dataDir: string;
  /** Unset means the embedded PostgreSQL in `dataDir` (development only). */
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  db: { poolMin: number; poolMax: number; idleTimeoutMs: number; acquireTimeoutMs: number };
  apiKeys: { pepper: string; cacheTtlMs: number; touchIntervalMs: number };
  trustProxy: boolean;
  corsOrigins: string[];
  responseValidation: boolean;
  timeouts: { shutdownMs: number; headersMs: number; requestMs: number; keepAliveMs: number };
  conversion: { maxDepth: number; maxRecords: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Secrets a deployment must provide; development generates them once into DATA_DIR. */
const SECRETS = ['API_KEY_PEPPER'] as const;
type SecretName = (typeof SECRETS)[number];

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const secrets = resolveSecrets(e, dataDir);
  if (e.NODE_ENV === 'production' && !e.DATABASE_URL) {
    throw new ConfigError('DATABASE_URL is required in production (the embedded database is for development)');
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    db: {
      poolMin: e.DB_POOL_MIN,
      poolMax: e.DB_POOL_MAX,
      idleTimeoutMs: e.DB_IDLE_TIMEOUT_MS,
      acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS,
    },
    apiKeys: {
      pepper: secrets.API_KEY_PEPPER,
      cacheTtlMs: e.API_KEY_CACHE_TTL_MS,
      touchIntervalMs: e.API_KEY_TOUCH_INTERVAL_MS,
    },
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    responseValidation: e.RESPONSE_VALIDATION ?? e.NODE_ENV !== 'production',
    timeouts: {
      shutdownMs: e.SHUTDOWN_TIMEOUT_MS,
      headersMs: e.HEADERS_TIMEOUT_MS,
      requestMs: e.REQUEST_TIMEOUT_MS,
      keepAliveMs: e.KEEP_ALIVE_TIMEOUT_MS,
    },
    conversion: { maxDepth: e.CONVERSION_MAX_DEPTH, maxRecords: e.CONVERSION_MAX_RECORDS },
  };
}

/**
 * In production every secret must be set and strong. Elsewhere a missing secret is generated
 * once and kept in DATA_DIR, so restarts keep verifying the keys issued before them.
 */
function resolveSecrets(e: z.output<typeof schema>, dataDir: string): Record<SecretName, string> {
  const given: Partial<Record<SecretName, string>> = { API_KEY_PEPPER: e.API_KEY_PEPPER };
  for (const name of SECRETS) {
    const value = given[name];
    if (value !== undefined && value.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`${name} is too weak: at least ${MIN_SECRET_LENGTH} characters of random data are required`);
    }
  }
  const missing = SECRETS.filter((name) => given[name] === undefined);
  if (missing.length === 0) return given as Record<SecretName, string>;
  if (e.NODE_ENV === 'production') {
    throw new ConfigError(`${missing.join(', ')} must be set in production (at least ${MIN_SECRET_LENGTH} random characters)`);
  }
  const stored = readStoredSecrets(dataDir);
  for (const name of missing) stored[name] ??= randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  return { ...stored, ...definedOnly(given) } as Record<SecretName, string>;
}

function readStoredSecrets(dataDir: string): Partial<Record<SecretName, string>> {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Partial<Record<SecretName, string>>;
  } catch {
    return {};
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
