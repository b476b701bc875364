// A real Prometheus (Debian's `prometheus` package) on a loopback port, scraping its targets every
// second with the generated rule files loaded, and a small client for its HTTP API; and a real
// node_exporter (Debian's `prometheus-node-exporter`, which the `prometheus` package recommends)
// for the host metrics the disk alert reads. Neither installed is an error, never a skip: a run
// without them would pass without proving anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/database.ts';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface ActiveAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  /** RFC 3339: when it became pending. */
  activeAt: string;
}

export interface Prometheus {
  url: string;
  /** An instant query; rejects when Prometheus refuses the expression. */
  query(expr: string): Promise<Sample[]>;
  alerts(): Promise<ActiveAlert[]>;
  stop(): Promise<void>;
}

/** `name` on PATH, or the file `variable` names. */
function binary(name: string, variable: string, install: string): string {
  const candidates = [process.env[variable], ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name))];
  for (const file of candidates) {
    if (!file) continue;
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next candidate
    }
  }
  throw new Error(`${name} is not installed: ${install}, or set ${variable}`);
}

export function prometheusBinary(): string {
  return binary('prometheus', 'PROMETHEUS_BIN', '`apt-get install -y prometheus` (Debian 12 ships 2.42)');
}

export interface Exporter {
  /** host:port to scrape. */
  target: string;
  stop(): Promise<void>;
}

/** node_exporter with only the file system collector, and none of its own process metrics. */
export async function startNodeExporter(): Promise<Exporter> {
  const file = binary('prometheus-node-exporter', 'NODE_EXPORTER_BIN', '`apt-get install -y prometheus-node-exporter`');
  const target = `127.0.0.1:${await freePort()}`;
  const child = spawn(file, [`--web.listen-address=${target}`, '--collector.disable-defaults', '--collector.filesystem', '--web.disable-exporter-metrics'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = () => terminate(child);
  try {
    await until(async () => (await fetch(`http://${target}/metrics`).catch(() => undefined))?.ok === true, 15_000, () => `node_exporter did not start:\n${stderr}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { target, stop };
}

/** `targets`: job name → host:port. */
export async function startPrometheus(options: { targets: Record<string, string>; ruleFiles: string[] }): Promise<Prometheus> {
  const binary = prometheusBinary();
  const dir = mkdtempSync(join(tmpdir(), 'transmute-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: options.ruleFiles,
      scrape_configs: Object.entries(options.targets).map(([job, target]) => ({ job_name: job, static_configs: [{ targets: [target] }] })),
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    await terminate(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, 15_000, () => `Prometheus did not become ready:\n${stderr}`);
  } catch (error) {
    await stop();
    throw error;
  }

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    query: async (expr) => (await api<{ resultType: string; result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: ActiveAlert[] }>('/api/v1/alerts')).alerts,
    stop,
  };
}

/** Polls `check` until it holds: Prometheus scrapes and evaluates on its own clock. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
