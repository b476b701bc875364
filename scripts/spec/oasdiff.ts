// oasdiff (STACK.md) compares two versions of the spec: its breaking-change checks are the gate
// `make lint` runs, its changelog what `make spec-changelog` prints. Built on first use with
// `go install` into the git-ignored .tools, in a folder named for the pinned version: the binary
// reports no version of its own, so moving the pin builds the new one instead of running the old.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../lib/spec.ts';

const run = promisify(execFile);

export const OASDIFF_VERSION = '1.37.0';
const OASDIFF_MODULE = `github.com/oasdiff/oasdiff@v${OASDIFF_VERSION}`;
const BIN_DIR = join(ROOT, '.tools', `oasdiff-${OASDIFF_VERSION}`);
const OASDIFF = join(BIN_DIR, 'oasdiff');

export async function ensureOasdiff(log: (message: string) => void): Promise<string> {
  if (existsSync(OASDIFF)) return OASDIFF;
  // Loaded only here: the generator module is heavy, and `make lint` must stay quick once built.
  const { goBin } = await import('../generate/sdk-go.ts');
  log(`installing ${OASDIFF_MODULE} into ${BIN_DIR}`);
  mkdirSync(BIN_DIR, { recursive: true });
  try {
    await run(goBin('go'), ['install', OASDIFF_MODULE], { env: { ...process.env, GOBIN: BIN_DIR } });
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: string };
    if (code === 'ENOENT') throw new Error(`oasdiff is built with Go, which is not installed (STACK.md: Go 1.26, on PATH or in /usr/local/go/bin)`);
    throw new Error(`go install ${OASDIFF_MODULE} failed:\n${stderr ?? ''}`);
  }
  return OASDIFF;
}

export interface OasdiffResult {
  /** oasdiff's exit status: 1 when `--fail-on` found a change at that level. */
  code: number;
  output: string;
}

/**
 * Runs `oasdiff <command> <base> <revision> ...` on two self-contained specs. External `$ref`s are
 * refused: a released snapshot pointing into files that keep changing would not be what was released.
 */
export async function oasdiff(command: 'breaking' | 'changelog', base: string, revision: string, flags: string[] = []): Promise<OasdiffResult> {
  const binary = await ensureOasdiff((message) => process.stderr.write(`${message}\n`));
  const args = [command, base, revision, '--allow-external-refs=false', ...flags];
  try {
    const { stdout, stderr } = await run(binary, args, { maxBuffer: 64 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof code !== 'number') throw error;
    return { code, output: (stdout ?? '') + (stderr ?? '') };
  }
}
