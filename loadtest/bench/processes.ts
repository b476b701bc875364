// Child Node processes: a service that announces its URL on stdout, and a one-shot script whose
// stdout is its answer.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { Cleanup } from './cleanup.ts';

export interface Service {
  /** The URL the service printed in its banner. */
  url: string;
  /** SIGTERM, then SIGKILL if it has not exited in time; safe to call more than once. */
  stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

const BANNER_TIMEOUT_MS = 60_000;
// Longer than the server's own shutdown deadline (SHUTDOWN_TIMEOUT_MS, 10 s by default).
const STOP_TIMEOUT_MS = 15_000;
const STDERR_TAIL_CHARS = 4_000;

/**
 * Starts `node script` and resolves with the first capture of `banner` in a stdout line. After the
 * banner, stdout is read and thrown away: the service's logs are part of what it costs to run,
 * and a pipe nobody reads would block it. Its stop is handed to `cleanup` as soon as it exists.
 */
export async function startService(name: string, script: string, env: Env, banner: RegExp, cwd: string, cleanup: Cleanup): Promise<Service> {
  cleanup.signal.throwIfAborted();
  const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = keepTail(child.stderr!);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= terminate(child));
  cleanup.defer(stop);
  try {
    const url = await readBanner(child, banner);
    child.stdout!.resume();
    return { url, stop };
  } catch (error) {
    await stop();
    throw new Error(`${name} did not start: ${(error as Error).message}\n${stderr()}`.trimEnd());
  }
}

/** Runs `node script args…` to completion and returns its stdout, trimmed. */
export async function runScript(script: string, args: string[], env: Env, cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [script, ...args], { cwd, env });
    return stdout.trim();
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${script} failed: ${(error as Error).message}${stderr ? `\n${stderr}` : ''}`.trimEnd());
  }
}

function readBanner(child: ChildProcess, banner: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const onData = (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const url = banner.exec(line)?.[1];
        if (url !== undefined) return settle(() => resolve(url));
      }
    };
    // `close`, not `exit`: by then stderr has been read to its end, for the error message.
    const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
      settle(() => reject(new Error(`it exited (${signal ?? `code ${code}`}) before printing its URL`)));
    const timer = setTimeout(() => settle(() => reject(new Error(`no URL on stdout after ${BANNER_TIMEOUT_MS / 1000} s`))), BANNER_TIMEOUT_MS);
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('close', onClose);
      outcome();
    };
    child.stdout!.on('data', onData);
    child.once('close', onClose);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Keeps the end of a stream, to explain a failure. */
function keepTail(stream: Readable): () => string {
  let tail = '';
  stream.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  return () => tail;
}
