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
  RESPONSE_COMPRESSION: bool.default(true),
  SHUTDOWN_TIMEOUT_MS: int(0, 300_000).default(10_000),
  HEADERS_TIMEOUT_MS: int(1_000, 120_000).default(10_000),
  REQUEST_TIMEOUT_MS: int(1_000, 600_000).default(30_000),
  KEEP_ALIVE_TIMEOUT_MS: int(1_000, 120_000).default(5_000),
  CONVERSION_MAX_DEPTH: int(1, 1_000).default(64),
  CONVERSION_MAX_RECORDS: int(1, 10_000_000).default(100_000),
  API_KEY_MAX_GRACE_S: int(0, 30 * 86_400).default(7 * 86_400),
  // 0: no maximum, for a deployment whose keys are governed elsewhere (an internal gateway).
  API_KEY_MAX_LIFETIME_DAYS: int(0, 3_650).default(365),
  JWT_SECRET: z.string().optional(),
  JWT_ISSUER: z.string().min(1).default('https://api.transmute.dev'),
  JWT_AUDIENCE: z.string().min(1).default('transmute-api'),
  // At most 15 minutes: an access token cannot be recalled before it expires (issue 3).
  ACCESS_TOKEN_TTL_S: int(30, 900).default(900),
  REFRESH_TOKEN_TTL_S: int(300, 90 * 86_400).default(30 * 86_400),
  MFA_TOKEN_TTL_S: int(30, 900).default(300),
  TOTP_ENCRYPTION_KEY: z.string().optional(),
  // Keys TOTP_ENCRYPTION_KEY replaced: values sealed under them still open, until re-encrypted.
  TOTP_ENCRYPTION_KEY_PREVIOUS: list.default([]),
  LOGIN_SLOW_AFTER: int(1, 100).default(3),
  LOGIN_LOCK_AFTER: int(2, 1_000).default(10),
  LOGIN_LOCK_S: int(1, 86_400).default(900),
  REDIS_URL: z.url().optional(),
  PLANS_FILE: z.string().optional(),
  AUTH_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(20),
  SIGNUP_RATE_LIMIT_PER_HOUR: int(1, 100_000).default(10),
  OIDC_PROVIDERS: list.default([]),
  JOB_WORKERS: bool.default(true),
  JOB_CONCURRENCY: int(1, 64).default(2),
  JOB_RESULT_RETENTION_S: int(60, 90 * 86_400).default(7 * 86_400),
  WEBHOOK_ALLOWLIST: list.default([]),
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(10_000),
  WEBHOOK_SECRET_GRACE_S: int(0, 7 * 86_400).default(86_400),
  WEBHOOK_DISABLE_AFTER_S: int(60, 30 * 86_400).default(3 * 86_400),
  WEBHOOK_RETENTION_DAYS: int(1, 3_650).default(30),
  IDEMPOTENCY_TTL_S: int(60, 7 * 86_400).default(86_400),
  USAGE_FLUSH_INTERVAL_MS: int(100, 60_000).default(1_000),
  EXPORT_RETENTION_S: int(60, 90 * 86_400).default(7 * 86_400),
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  METRICS_PORT: int(1, 65535).optional(),
  SHED_EVENT_LOOP_DELAY_MS: int(0, 10_000).optional(),
  SHED_MAX_IN_FLIGHT: int(0, 1_000_000).default(500),
});

/** The variables this module reads, all as strings, as in `process.env`. */
export type Env = Partial<Record<keyof z.input<typeof schema>, string>>;

/**
 * Every variable of the schema, for what sets the environment from outside (compose.yaml, env
 * files) to be checked against; OIDC_<NAME>_* are read by name beyond it (oidcProviders).
 */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof Env)[];

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
  /** Brotli or gzip for text bodies of 1 KiB or more (http/compress.ts); off when a proxy compresses. */
  responseCompression: boolean;
  timeouts: { shutdownMs: number; headersMs: number; requestMs: number; keepAliveMs: number };
  conversion: { maxDepth: number; maxRecords: number };
  apiKeyMaxGraceS: number;
  /** The longest an API key may live from its creation or rotation; undefined: no maximum. */
  apiKeyMaxLifetimeS: number | undefined;
  jwt: { secret: string; issuer: string; audience: string; accessTtlS: number; refreshTtlS: number; mfaTtlS: number };
  /** Key for the TOTP secrets at rest (any length >= 32; derive the cipher key from it). */
  totpEncryptionKey: string;
  /** Keys it replaced: they open what they sealed, and seal nothing (auth/secret-box.ts). */
  totpEncryptionKeysPrevious: string[];
  login: { slowAfter: number; lockAfter: number; lockS: number };
  /** Unset: rate limits are kept in this process's memory. */
  redisUrl: string | undefined;
  /** Plans (rate limits, quotas) are configuration: the YAML file at this path. */
  plansFile: string;
  authRateLimitPerMinute: number;
  signupRateLimitPerHour: number;
  oidcProviders: OidcProviderConfig[];
  jobs: { workers: boolean; concurrency: number; resultRetentionS: number };
  webhooks: { allowlist: string[]; timeoutMs: number; secretGraceS: number; disableAfterS: number; retentionDays: number };
  idempotencyTtlS: number;
  usageFlushIntervalMs: number;
  exportRetentionS: number;
  /**
   * How /metrics is exposed: open (development default), behind a bearer token, on its own port
   * only, or not at all (production without a token or a port: metrics are never public there).
   */
  metrics: { exposure: 'open' | 'token' | 'port' | 'off'; token: string | undefined; port: number | undefined };
  /** Load shedding (limits/load-shedder.ts); 0 turns a signal off. */
  shed: { eventLoopDelayMs: number; maxInFlight: number };
}

export interface OidcProviderConfig {
  /** The name in /v1/auth/oidc/{provider}/…, lower-case. */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back: this API's /v1/auth/oidc/{provider}/callback. */
  redirectUri: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Secrets a deployment must provide; development generates them once into DATA_DIR. */
const SECRETS = ['API_KEY_PEPPER', 'JWT_SECRET', 'TOTP_ENCRYPTION_KEY'] as const;
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
    responseCompression: e.RESPONSE_COMPRESSION,
    timeouts: {
      shutdownMs: e.SHUTDOWN_TIMEOUT_MS,
      headersMs: e.HEADERS_TIMEOUT_MS,
      requestMs: e.REQUEST_TIMEOUT_MS,
      keepAliveMs: e.KEEP_ALIVE_TIMEOUT_MS,
    },
    conversion: { maxDepth: e.CONVERSION_MAX_DEPTH, maxRecords: e.CONVERSION_MAX_RECORDS },
    apiKeyMaxGraceS: e.API_KEY_MAX_GRACE_S,
    apiKeyMaxLifetimeS: e.API_KEY_MAX_LIFETIME_DAYS === 0 ? undefined : e.API_KEY_MAX_LIFETIME_DAYS * 86_400,
    jwt: {
      secret: secrets.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlS: e.ACCESS_TOKEN_TTL_S,
      refreshTtlS: e.REFRESH_TOKEN_TTL_S,
      mfaTtlS: e.MFA_TOKEN_TTL_S,
    },
    totpEncryptionKey: secrets.TOTP_ENCRYPTION_KEY,
    totpEncryptionKeysPrevious: previousKeys(e.TOTP_ENCRYPTION_KEY_PREVIOUS),
    login: { slowAfter: e.LOGIN_SLOW_AFTER, lockAfter: e.LOGIN_LOCK_AFTER, lockS: e.LOGIN_LOCK_S },
    redisUrl: e.REDIS_URL,
    plansFile: resolve(e.PLANS_FILE ?? join(import.meta.dirname, '..', 'plans.yaml')),
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    signupRateLimitPerHour: e.SIGNUP_RATE_LIMIT_PER_HOUR,
    oidcProviders: oidcProviders(e.OIDC_PROVIDERS, env),
    jobs: { workers: e.JOB_WORKERS, concurrency: e.JOB_CONCURRENCY, resultRetentionS: e.JOB_RESULT_RETENTION_S },
    webhooks: {
      allowlist: e.WEBHOOK_ALLOWLIST,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      secretGraceS: e.WEBHOOK_SECRET_GRACE_S,
      disableAfterS: e.WEBHOOK_DISABLE_AFTER_S,
      retentionDays: e.WEBHOOK_RETENTION_DAYS,
    },
    idempotencyTtlS: e.IDEMPOTENCY_TTL_S,
    usageFlushIntervalMs: e.USAGE_FLUSH_INTERVAL_MS,
    exportRetentionS: e.EXPORT_RETENTION_S,
    metrics: {
      exposure: e.METRICS_PORT !== undefined ? 'port' : e.METRICS_TOKEN !== undefined ? 'token' : e.NODE_ENV === 'production' ? 'off' : 'open',
      token: e.METRICS_TOKEN,
      port: e.METRICS_PORT,
    },
    shed: {
      // Off by default under test: an in-process test server shares its event loop with the test
      // code, whose own work would count as the server's lag.
      eventLoopDelayMs: e.SHED_EVENT_LOOP_DELAY_MS ?? (e.NODE_ENV === 'test' ? 0 : 20),
      maxInFlight: e.SHED_MAX_IN_FLIGHT,
    },
  };
}

function previousKeys(keys: string[]): string[] {
  if (keys.some((key) => key.length < MIN_SECRET_LENGTH)) {
    throw new ConfigError(`TOTP_ENCRYPTION_KEY_PREVIOUS: each key must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return keys;
}

/** OIDC_PROVIDERS=google,okta, then OIDC_GOOGLE_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URI for each. */
function oidcProviders(names: string[], env: Record<string, string | undefined>): OidcProviderConfig[] {
  return names.map((raw) => {
    const name = raw.toLowerCase();
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new ConfigError(`OIDC_PROVIDERS: "${raw}" is not a valid provider name`);
    const read = (field: string) => {
      const variable = `OIDC_${name.toUpperCase().replace(/-/g, '_')}_${field}`;
      const value = env[variable];
      if (!value) throw new ConfigError(`${variable} must be set for the OIDC provider "${name}"`);
      return value;
    };
    return { name, issuer: read('ISSUER'), clientId: read('CLIENT_ID'), clientSecret: read('CLIENT_SECRET'), redirectUri: read('REDIRECT_URI') };
  });
}

/**
 * In production every secret must be set and strong. Elsewhere a missing secret is generated
 * once and kept in DATA_DIR, so restarts keep verifying the keys issued before them.
 */
function resolveSecrets(e: z.output<typeof schema>, dataDir: string): Record<SecretName, string> {
  const given: Partial<Record<SecretName, string>> = {
    API_KEY_PEPPER: e.API_KEY_PEPPER,
    JWT_SECRET: e.JWT_SECRET,
    TOTP_ENCRYPTION_KEY: e.TOTP_ENCRYPTION_KEY,
  };
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
