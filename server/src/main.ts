// The process: configuration, database, HTTP server, and an orderly exit on SIGTERM/SIGINT.
import { createServer, type Server } from 'node:http';
import { createApp, type AppDeps } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { startServices, type Services } from './services.ts';
import { startMetricsServer, type MetricsServer } from './http/metrics-server.ts';
import { answerClientErrors } from './http/client-error.ts';
import pkg from '../package.json' with { type: 'json' };

/** The running server and its services (tests reach the services through it). */
export interface Running extends Services {
  server: Server;
  url: string;
  shutdown(reason: string): Promise<void>;
}

/** `app` overrides what the app is built from (tests: the route table). */
export async function start(config: Config, log: Logger, app: Pick<AppDeps, 'routes'> = {}): Promise<Running> {
  const services = await startServices(config, log);
  const releaseId = process.env.RELEASE_ID ?? pkg.version;
  const koa = createApp({ ...services, releaseId, ...app });

  const server = createServer(
    {
      // Slow clients cannot hold a connection open: headers, whole request, idle keep-alive.
      headersTimeout: config.timeouts.headersMs,
      requestTimeout: config.timeouts.requestMs,
      keepAliveTimeout: config.timeouts.keepAliveMs,
    },
    koa.callback(),
  );
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  // METRICS_PORT: metrics only there, so the public port never serves them.
  const metricsServer = config.metrics.port === undefined ? undefined : await startMetricsServer(services.metrics, { host: config.host, port: config.metrics.port });

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => (stopping ??= drain(reason, server, services, metricsServer));
  return { ...services, server, url, shutdown };
}

/**
 * Readiness fails first and open event streams end, the listener closes, in-flight requests get up
 * to SHUTDOWN_TIMEOUT_MS to finish, then whatever is left is cut and the services stop (background
 * work, buffered writes, the pool).
 */
async function drain(reason: string, server: Server, services: Services, metricsServer: MetricsServer | undefined): Promise<void> {
  const { log, config, readiness } = services;
  log.info({ reason }, 'shutting down');
  readiness.shuttingDown = true;
  services.jobs.closeStreams();
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
  await metricsServer?.stop();
  await services.stop();
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
