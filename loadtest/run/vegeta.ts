// vegeta (STACK.md): an open-model load generator. Requests leave at a constant rate whether or not
// earlier ones have been answered, so a slow server shows up as latency, not as a lower rate.
// Installed on first use with `go install` into the git-ignored .tools/go-bin.
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { PlannedOperation } from './plan.ts';

const run = promisify(execFile);

export const VEGETA_MODULE = 'github.com/tsenart/vegeta/v12@v12.13.0';
const GO_BIN = join(import.meta.dirname, '..', '..', '.tools', 'go-bin');
const VEGETA = join(GO_BIN, 'vegeta');
/** A request still unanswered after this counts as an error (far past any p99 objective). */
const REQUEST_TIMEOUT = '10s';

export interface Credentials {
  apiKey: string;
  userToken: string;
}

/** One answered (or failed) request, as vegeta recorded it. */
export interface Sample {
  method: string;
  url: string;
  /** When the request was sent, ms since the epoch. */
  sentAt: number;
  latencyMs: number;
  /** 0 when there was no response (connection error, timeout). */
  status: number;
  error: string;
  /** The catalog code of a 429 or 503 problem body (E1502: shed), to tell shedding from failure. */
  problem?: string;
}

export async function ensureVegeta(log: (message: string) => void): Promise<string> {
  if (existsSync(VEGETA)) return VEGETA;
  log(`installing ${VEGETA_MODULE} into ${GO_BIN}`);
  mkdirSync(GO_BIN, { recursive: true });
  await run('go', ['install', VEGETA_MODULE], { env: { ...process.env, GOBIN: GO_BIN } });
  return VEGETA;
}

function authHeader(operation: PlannedOperation, credentials: Credentials): Record<string, string[]> {
  if (operation.auth === 'key') return { 'X-Api-Key': [credentials.apiKey] };
  if (operation.auth === 'user') return { Authorization: [`Bearer ${credentials.userToken}`] };
  return {};
}

/** vegeta's JSON target format, one per line; it sends them round-robin in this order. */
export function writeTargets(file: string, order: PlannedOperation[], origin: string, credentials: Credentials): void {
  const lines = order.map((operation) =>
    JSON.stringify({
      method: operation.method,
      url: new URL(operation.path, origin).href,
      header: { ...Object.fromEntries(Object.entries(operation.headers).map(([name, value]) => [name, [value]])), ...authHeader(operation, credentials) },
      ...(operation.body === null ? {} : { body: Buffer.from(operation.body).toString('base64') }),
    }),
  );
  writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * Past the server's capacity vegeta opens a connection for every request waiting for one: on the
 * machine this was built on, thousands a second, which overflowed the listen queue (netstat -s:
 * "times the listen queue of a socket overflowed") and turned into TCP SYN retransmissions of 1, 3
 * and 7 s, latency the server never sees and cannot shed, and which lasted into the next attack
 * (make bench's rate search failed the step after an overloaded one far below the limit). Clients
 * and load balancers hold a bounded pool, so every attack does too: a request waiting for a free
 * connection waits in vegeta, and that wait counts in its latency.
 */
const MAX_CONNECTIONS = 256;

/** Sends the targets at `rate` per second for `seconds`; vegeta's binary results go to `output`. */
export async function attack(vegeta: string, targets: string, rate: number, seconds: number, output: string, signal: AbortSignal): Promise<void> {
  await run(
    vegeta,
    [
      'attack',
      '-format=json',
      `-targets=${targets}`,
      `-rate=${rate}/1s`,
      `-duration=${seconds}s`,
      `-timeout=${REQUEST_TIMEOUT}`,
      `-max-connections=${MAX_CONNECTIONS}`,
      `-output=${output}`,
    ],
    { signal, maxBuffer: 16 << 20 },
  );
}

interface VegetaResult {
  method: string;
  url: string;
  timestamp: string;
  /** Nanoseconds. */
  latency: number;
  code: number;
  error: string;
  /** Base64. */
  body?: string;
}

/** Refusals whose body says why: shed (E1502, 429) or failed (anything else). */
const EXPLAINED_STATUSES = new Set([429, 503]);

function problemCode(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  try {
    const code = (JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes vegeta's binary results, one JSON object a line; of the bodies, only a refusal's problem code is kept. */
export async function readResults(vegeta: string, results: string, decoded: string): Promise<Sample[]> {
  await run(vegeta, ['encode', '-to=json', `-output=${decoded}`, results]);
  const samples: Sample[] = [];
  for await (const line of createInterface({ input: createReadStream(decoded), crlfDelay: Infinity })) {
    if (line === '') continue;
    const r = JSON.parse(line) as VegetaResult;
    const sample: Sample = { method: r.method, url: r.url, sentAt: Date.parse(r.timestamp), latencyMs: r.latency / 1e6, status: r.code, error: r.error };
    const problem = EXPLAINED_STATUSES.has(r.code) ? problemCode(r.body) : undefined;
    if (problem !== undefined) sample.problem = problem;
    samples.push(sample);
  }
  return samples;
}
