// What is running: the server package's version, the spec's info.version and the commit. A release
// sets RELEASE_COMMIT; a checkout without it reads the commit from .git, so a developer's metrics
// still say which code produced them. Read once, at startup.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { apiVersion } from '../generated/routes.ts';

export interface BuildInfo {
  version: string;
  apiVersion: string;
  commit: string;
}

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const SHA = /^[0-9a-f]{40}$/;

export function buildInfo(env: Record<string, string | undefined> = process.env): BuildInfo {
  return { version: pkg.version, apiVersion, commit: env.RELEASE_COMMIT ?? gitHead(join(REPO_ROOT, '.git')) ?? 'unknown' };
}

/** HEAD's commit, following a branch ref to its loose file or to packed-refs; undefined without a readable .git. */
function gitHead(gitDir: string): string | undefined {
  const head = readText(join(gitDir, 'HEAD'));
  const ref = head && /^ref: (\S+)$/.exec(head)?.[1];
  if (!ref) return head && SHA.test(head) ? head : undefined;
  const loose = readText(join(gitDir, ref));
  if (loose && SHA.test(loose)) return loose;
  const packed = readText(join(gitDir, 'packed-refs'))
    ?.split('\n')
    .find((line) => line.endsWith(` ${ref}`))
    ?.split(' ')[0];
  return packed && SHA.test(packed) ? packed : undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
