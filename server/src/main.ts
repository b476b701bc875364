// The process: configuration, database, HTTP server, and an orderly exit on SIGTERM/SIGINT.
import { createServer, type Server } from 'node:http';
import { createApp } from './app.ts';
import { ApiKeyService } from './auth/api-keys.ts';
import { AuditLog } from './audit/audit-log.ts';
import { createIdentity, type Identity } from './auth/identity.ts';
import { OidcService } from './auth/oidc.ts';
import { loadPlans } from './limits/plans.ts';
import { RateLimiter } from './limits/rate-limiter.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase, type Database } from './db/orm.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { Readiness } from './observability/readiness.ts';
import pkg from '../package.json' with { type: 'json' };

export interface Running {
  server: Server;
  url: string;
  keys: ApiKeyService;
  identity: Identity;
  shutdown(reason: string): Promise<void>;
}

export async function start(config: Config, log: Logger): Promise<Running> {
  const db = await openDatabase(config, { log: (message) => log.debug({ component: 'db' }, message) });
  await db.migrate();
  const keys = new ApiKeyService(db, config);
  const audit = new AuditLog(db, log);
  const identity = createIdentity(db, config, audit);
  const oidc = new OidcService(config.oidcProviders, config.jwt.secret);
  const limiter = new RateLimiter(config, loadPlans(config.plansFile), log);
  const readiness = new Readiness(db, limiter);
  const releaseId = process.env.RELEASE_ID ?? pkg.version;
  const app = createApp({ config, log, keys, audit, identity, oidc, limiter, readiness, releaseId });

  const server = createServer(
    {
      // Slow clients cannot hold a connection open: headers, whole request, idle keep-alive.
      headersTimeout: config.timeouts.headersMs,
      requestTimeout: config.timeouts.requestMs,
      keepAliveTimeout: config.timeouts.keepAliveMs,
    },
    app.callback(),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => (stopping ??= drain(reason, { server, db, keys, audit, limiter, readiness, log, config }));
  return { server, url, keys, identity, shutdown };
}

interface Parts {
  server: Server;
  db: Database;
  keys: ApiKeyService;
  audit: AuditLog;
  limiter: RateLimiter;
  readiness: Readiness;
  log: Logger;
  config: Config;
}

/**
 * Readiness fails first, the listener closes, in-flight requests get up to SHUTDOWN_TIMEOUT_MS to
 * finish, then whatever is left is cut, buffered writes are flushed and the pool closes.
 */
async function drain(reason: string, { server, db, keys, audit, limiter, readiness, log, config }: Parts): Promise<void> {
  log.info({ reason }, 'shutting down');
  readiness.shuttingDown = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), config.timeouts.shutdownMs);
  });
  if ((await Promise.race([closed, deadline])) === 'timeout') {
    log.warn({ timeout_ms: config.timeouts.shutdownMs }, 'requests still running at the shutdown deadline; closing their connections');
    server.closeAllConnections();
  }
  clearTimeout(timer);
  // Buffered writes first, while the pool is still open.
  await keys.close();
  await audit.close();
  await limiter.close();
  await db.close();
  log.info('stopped');
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`transmute: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger(config.logLevel);
  const running = await start(config, log);
  log.info({ url: running.url, docs: `${running.url}/docs` }, 'listening');
  process.stdout.write(`Transmute API  ${running.url}/v1\nAPI reference  ${running.url}/docs\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

if (import.meta.main) await main();
