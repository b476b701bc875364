// The Dockerfile and compose.yaml, checked as far as a machine without a Docker engine can: the
// image's files are in the repository and in the build context, and what they hold starts the
// server; compose sets only variables the server's schema knows, with values it accepts; ports,
// probes, mounts and dependencies agree with the server, the spec and docs/monitoring.md.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig, type Config } from '../../server/src/config.ts';
import { createTestDatabase, freePort } from '../../server/test/support/database.ts';
import { DASHBOARDS_PATH } from '../generate/grafana/provisioning.ts';
import { copyOf, execForm, healthcheckOf, inBuildContext, parseDockerfile, type Instruction } from '../lib/dockerfile.ts';
import { loadSpec, operationsOf, ROOT } from '../lib/spec.ts';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const dockerignore = read('.dockerignore');
const compose = parse(read('compose.yaml')) as { services: Record<string, Service> };
const services = compose.services;

interface Service {
  build?: unknown;
  image?: string;
  environment?: Record<string, string> | string[];
  env_file?: ({ path: string; required?: boolean } | string)[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  network_mode?: string;
  command?: string[];
}

const all = (keyword: string) => dockerfile.filter((i) => i.keyword === keyword);
const one = (keyword: string): Instruction => {
  const found = all(keyword);
  assert.equal(found.length, 1, `one ${keyword} in the Dockerfile`);
  return found[0]!;
};
/** The final stage's instructions: what the image runs with. */
const finalStage = dockerfile.slice(dockerfile.findLastIndex((i) => i.keyword === 'FROM'));

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

const envFilesOf = (service: Service) => (service.env_file ?? []).map((f) => (typeof f === 'string' ? f : f.path));

/** KEY=value lines of an env file (comments and blank lines skipped). */
function readEnvFile(path: string): Record<string, string> {
  const lines = read(path).split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** The API's environment as compose gives it: its env file's template, with the secrets filled in, under compose's own settings. */
function apiEnvironment(): Record<string, string> {
  const files = envFilesOf(services.api!).map((path) => readEnvFile(`${path}.example`));
  const filled = Object.fromEntries(
    Object.entries(Object.assign({}, ...files) as Record<string, string>).map(([k, v]) => [k, v === '' ? randomBytes(32).toString('base64url') : v]),
  );
  return { ...filled, ...environmentOf(services.api!) };
}

/** The API's configuration as the server would load it inside the container. */
const apiConfig = (): Config => loadConfig(apiEnvironment());

/** The container side of a published port: `127.0.0.1:3000:3000` → 3000. */
const containerPorts = (service: Service) => (service.ports ?? []).map((p) => Number(p.split(':').at(-1)));

/** A service's mounts of repository paths, as host path and container path. */
function bindMounts(service: Service): { host: string; container: string }[] {
  return (service.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([host]) => host!.startsWith('./'))
    .map(([host, container]) => ({ host: posix.normalize(host!), container: container! }));
}

/** The repository file behind a path inside a container, through the service's bind mounts. */
function hostPathOf(service: Service, containerPath: string): string | undefined {
  const mount = bindMounts(service).find((m) => containerPath === m.container || containerPath.startsWith(`${m.container}/`));
  return mount && join(mount.host, containerPath.slice(mount.container.length));
}

const exposed = () => Number(one('EXPOSE').args);

describe('Dockerfile', () => {
  it('builds on the official Node slim image of the version the Makefile provisions', () => {
    const nodeVersion = /^NODE_VERSION := (\S+)$/m.exec(read('Makefile'))?.[1];
    const arg = dockerfile.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_VERSION='));
    assert.equal(arg?.args, `NODE_VERSION=${nodeVersion}`);
    const froms = all('FROM').map((i) => i.args.split(/\s+/)[0]);
    assert.ok(froms.length >= 2, 'multi-stage');
    for (const image of froms) assert.equal(image, 'node:${NODE_VERSION}-slim');
  });

  it('installs only the server workspace without its development dependencies', () => {
    const install = all('RUN').find((i) => /\bnpm ci\b/.test(i.args));
    assert.ok(install, 'npm ci in a RUN');
    assert.match(install.args, /--workspace=server\b/);
    assert.match(install.args, /--omit=dev\b/);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const copies = all('COPY').map((i) => copyOf(i.args)).filter((c) => c.from === undefined);
    assert.ok(copies.length > 0);
    for (const source of copies.flatMap((c) => c.sources)) {
      assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
      for (const file of filesUnder(source)) assert.ok(inBuildContext(dockerignore, file), `${file} is in the build context`);
    }
  });

  it('keeps secrets, the git history and local state out of the build context', () => {
    for (const path of ['deploy/api.env', 'deploy/postgres.env', '.data/secrets.json', '.git/config', 'node_modules/koa/package.json', 'server/node_modules/x', '.tools/node']) {
      assert.equal(inBuildContext(dockerignore, path), false, path);
    }
  });

  it('imports at run time only what the server declares as a production dependency', () => {
    const pkg = JSON.parse(read('server/package.json')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    const statements = /^\s*(?:import|export)\b[^']*?\bfrom\s+'([^'.][^']*)'|\bimport\('([^'.][^']*)'\)|\brequire\(["']([^"'.][^"']*)["']\)/gm;
    for (const file of filesUnder('server/src').filter((f) => /\.(ts|cjs)$/.test(f))) {
      for (const match of read(file).matchAll(statements)) {
        const specifier = match[1] ?? match[2] ?? match[3];
        if (specifier!.startsWith('node:')) continue;
        imported.add(specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!);
      }
    }
    assert.ok(imported.size > 10);
    for (const name of imported) assert.ok(name in pkg.dependencies, `${name} is a dependency of server/package.json`);
  });

  it('runs node directly as an unprivileged user, so SIGTERM reaches the server', () => {
    const user = finalStage.filter((i) => i.keyword === 'USER').at(-1)?.args;
    assert.ok(user && user !== 'root' && user !== '0', `USER ${user}`);
    const cmd = execForm(one('CMD').args);
    assert.ok(cmd, 'CMD in exec form (no shell as PID 1)');
    assert.equal(cmd[0], 'node');
    assert.equal(all('ENTRYPOINT').length, 0);
    const main = read(cmd.find((arg) => arg.endsWith('.ts'))!);
    assert.match(main, /process\.once\(signal/, 'main.ts handles the signals itself');
    assert.match(main, /'SIGTERM'/);
  });

  it('checks health on the spec liveness probe, on the port it exposes and the server listens on', () => {
    const liveness = operationsOf(loadSpec()).find((o) => o.summary === 'Liveness');
    assert.ok(liveness, 'the spec has a liveness operation');
    const { command } = healthcheckOf(one('HEALTHCHECK').args);
    assert.ok(command, 'HEALTHCHECK CMD in exec form');
    const url = new URL(/'(http:[^']+)'/.exec(command.join(' '))![1]!);
    assert.equal(url.pathname, liveness.path);
    assert.equal(Number(url.port), exposed());
    assert.equal(apiConfig().port, exposed());
    assert.deepEqual(containerPorts(services.api!), [exposed()]);
  });

  it('holds what the server needs to start: the copied files, run by the CMD, answer the probe and write nothing', async (t) => {
    const database = await createTestDatabase();
    const app = mkdtempSync(join(tmpdir(), 'transmute-image-'));
    t.after(async () => {
      rmSync(app, { recursive: true, force: true });
      await database.drop();
    });
    const workdir = finalStage.find((i) => i.keyword === 'WORKDIR')!.args;
    for (const instruction of finalStage.filter((i) => i.keyword === 'COPY')) {
      const copy = copyOf(instruction.args);
      // The repository's installed node_modules, linked, stand in for the dependency stage's.
      const link = copy.from !== undefined;
      for (const source of copy.sources) {
        // The dependency stage has the same WORKDIR: /app/node_modules there is node_modules here.
        const fromWorkdir = posix.relative(workdir, source);
        const target = copy.destination.endsWith('/') || copy.sources.length > 1 ? join(app, copy.destination, posix.basename(source)) : join(app, copy.destination);
        mkdirSync(dirname(target), { recursive: true });
        if (link) symlinkSync(join(ROOT, fromWorkdir), target);
        else cpSync(join(ROOT, source), target, { recursive: true, filter: (path) => inBuildContext(dockerignore, relative(ROOT, path)) });
      }
    }
    const metricsPort = await freePort();
    const env: Record<string, string> = { ...apiEnvironment(), DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: '0', METRICS_PORT: String(metricsPort), LOG_LEVEL: 'silent' };
    // No Redis here (limits stay in memory), and the banner must give the address actually bound.
    delete env.REDIS_URL;
    delete env.PUBLIC_URL;
    const [, ...args] = execForm(one('CMD').args)!;
    const child = spawn(process.execPath, args, { cwd: app, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let banner = '';
    for await (const chunk of child.stdout) {
      banner += chunk;
      if (banner.includes('/docs')) break;
    }
    const base = /Transmute API\s+(http:\/\/[^/\s]+)/.exec(banner)?.[1];
    assert.ok(base, `the server started from the image's files: ${stderr}`);
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'pass');
    await heapSnapshotOnSignal(args, child.pid!);
    assert.equal(child.exitCode, null, 'SIGUSR2 leaves the server running');
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM drains and exits 0');
    assert.deepEqual(readdirSync(app).sort(), ['node_modules', 'package.json', 'scripts', 'server'], 'nothing written beside the code');
    // The operators' commands the docs run in the image (docker compose run --rm api node scripts/…).
    const run = (script: string, ...scriptArgs: string[]) =>
      execFileSync(process.execPath, [script, ...scriptArgs], { cwd: app, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(run('scripts/api-key.ts', '--email', 'ops@example.com', '--plan', 'pro'), /^tm_\S+\n$/);
    assert.match(run('scripts/rewrap-secrets.ts'), /re-encrypted/);
  });
});

/**
 * The TransmuteHighMemoryUsage runbook's step: SIGUSR2 makes the process started with the CMD's
 * arguments write a heap snapshot into its diagnostic directory, which is then removed.
 */
async function heapSnapshotOnSignal(args: string[], pid: number): Promise<void> {
  const dir = args.find((arg) => arg.startsWith('--diagnostic-dir='))?.slice('--diagnostic-dir='.length);
  assert.ok(args.includes('--heapsnapshot-signal=SIGUSR2') && dir, 'the CMD takes heap snapshots on SIGUSR2 into a diagnostic directory');
  const ours = (name: string) => name.startsWith('Heap.') && name.includes(`.${pid}.`) && name.endsWith('.heapsnapshot');
  process.kill(pid, 'SIGUSR2');
  let size = -1;
  // Written in pieces: done once it exists and its size held for a moment.
  for (let waited = 0; waited < 30_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const file = readdirSync(dir).find(ours);
    if (file === undefined) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) {
      rmSync(join(dir, file));
      return;
    }
    size = now;
  }
  assert.fail(`no heap snapshot of process ${pid} in ${dir}`);
}

describe('compose.yaml', () => {
  it('sets only variables of the server configuration schema, with values it accepts in production', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    const set = Object.keys(environmentOf(services.api!));
    for (const path of envFilesOf(services.api!)) set.push(...Object.keys(readEnvFile(`${path}.example`)));
    assert.ok(set.length > 5);
    for (const name of set) assert.ok(known.has(name), `${name} is a variable of server/src/config.ts`);
    const config = apiConfig();
    assert.equal(config.env, 'production');
    assert.ok(config.redisUrl?.startsWith('redis://redis:'), 'rate limits shared through the compose Redis');
    assert.equal(new URL(config.databaseUrl!).hostname, 'postgres');
  });

  it('takes secrets from env files that are never committed, and sets none itself', () => {
    const inline = environmentOf(services.api!);
    for (const secret of ['API_KEY_PEPPER', 'JWT_SECRET', 'TOTP_ENCRYPTION_KEY', 'METRICS_TOKEN', 'DATABASE_URL']) {
      assert.equal(inline[secret], undefined, `${secret} is not written in compose.yaml`);
    }
    const files = Object.values(services).flatMap(envFilesOf);
    assert.ok(files.length >= 3);
    for (const file of files) {
      assert.ok(existsSync(join(ROOT, `${file}.example`)), `${file}.example is the template`);
      execFileSync('git', ['check-ignore', '--quiet', file], { cwd: ROOT }); // throws when not ignored
      assert.equal(inBuildContext(dockerignore, file), false);
    }
  });

  it('starts each service once what it depends on is healthy', () => {
    const built = new Set(Object.entries(services).filter(([, s]) => s.build !== undefined).map(([name]) => name));
    let conditions = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        conditions++;
        assert.equal(condition, 'service_healthy', `${name} waits for ${dependency} to be healthy`);
        const checked = services[dependency]?.healthcheck !== undefined || (built.has(dependency) && all('HEALTHCHECK').length === 1);
        assert.ok(checked, `${dependency} has a healthcheck`);
      }
    }
    assert.ok(conditions >= 4);
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.healthcheck !== undefined || built.has(name), `${name} has a healthcheck`);
    }
  });

  it('runs PostgreSQL 15 or later and Redis', () => {
    assert.ok(Number(/^postgres:(\d+)/.exec(services.postgres!.image!)?.[1]) >= 15);
    assert.match(services.redis!.image!, /^redis:/);
  });

  it('has Prometheus load the repository rules and scrape the metrics port the API is given', () => {
    const prometheus = services.prometheus!;
    const configFile = prometheus.command!.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
    const configPath = hostPathOf(prometheus, configFile);
    assert.ok(configPath && existsSync(join(ROOT, configPath)), `${configFile} is mounted from the repository`);
    const config = parse(read(configPath)) as { rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const rules = config.rule_files.map((file) => hostPathOf(prometheus, file));
    assert.deepEqual(rules.sort(), ['grafana/prometheus/alerts.yml', 'grafana/prometheus/recording.yml']);
    for (const rule of rules) assert.ok(existsSync(join(ROOT, rule!)), `${rule} exists`);
    const targets = (job: string) => config.scrape_configs.filter((s) => s.job_name === job).flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    assert.deepEqual(targets('transmute'), [`api:${apiConfig().metrics.port}`]);
    // TransmuteDiskSpaceLow reads node_exporter's series: the stack runs one and scrapes it.
    assert.match(read('grafana/prometheus/alerts.yml'), /node_filesystem_avail_bytes/);
    assert.deepEqual(targets('node'), ['node-exporter:9100']);
    assert.match(services['node-exporter']!.image!, /^prom\/node-exporter:/);
    assert.equal(apiConfig().metrics.exposure, 'port');
    assert.ok(!containerPorts(services.api!).includes(apiConfig().metrics.port!), 'the metrics port is not published');
  });

  it('mounts the Grafana provisioning where docs/monitoring.md says, reaching Prometheus where its data source points', () => {
    const grafana = services.grafana!;
    const provisioning = bindMounts(grafana).find((m) => m.host === 'grafana/provisioning');
    assert.ok(provisioning, 'grafana/provisioning is mounted');
    assert.match(grafana.image!, /^grafana\/grafana:/);
    assert.ok(read('docs/monitoring.md').includes(`| the Docker image \`grafana/grafana\` | \`${provisioning.container}\``), 'the folder docs/monitoring.md gives for the image');
    assert.ok(DASHBOARDS_PATH.startsWith(`${provisioning.container}/`), `${DASHBOARDS_PATH} lies inside ${provisioning.container}`);
    const dashboards = hostPathOf(grafana, DASHBOARDS_PATH)!;
    assert.ok(readdirSync(join(ROOT, dashboards)).some((f) => f.endsWith('.json')), `${dashboards} holds the dashboards`);
    const datasource = parse(read('grafana/provisioning/datasources/transmute.yaml')) as { datasources: { url: string }[] };
    const url = new URL(datasource.datasources[0]!.url);
    if (url.hostname === 'localhost') {
      assert.equal(grafana.network_mode, 'service:prometheus', 'localhost in Grafana is Prometheus');
      assert.ok(containerPorts(services.prometheus!).includes(Number(url.port)));
    } else {
      assert.ok(url.hostname in services, `${url.hostname} is a compose service`);
    }
  });
});

/** Every file under a repository path (the path itself when it is a file), relative to the root. */
function filesUnder(path: string): string[] {
  if (!statSync(join(ROOT, path)).isDirectory()) return [path];
  return readdirSync(join(ROOT, path), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => posix.join(posix.relative(ROOT, entry.parentPath), entry.name));
}
