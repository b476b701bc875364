// The released versions of the spec: openapi/released/<major>.<minor>.<patch>.yaml, each a copy of
// openapi/openapi.yaml as it was released, and the working spec's own version (info.version).
// Beside them, openapi/breaking-accepted/<version>.txt: oasdiff findings against that release that
// were reviewed and accepted as not breaking anything an integrator relies on.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../lib/spec.ts';

export const RELEASED_DIR = join(ROOT, 'openapi', 'released');
export const ACCEPTED_DIR = join(ROOT, 'openapi', 'breaking-accepted');

export interface Version {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export interface Release {
  version: Version;
  file: string;
}

/** Plain `major.minor.patch`: a pre-release or build suffix has no place in a released API's version. */
export function parseVersion(text: string): Version | undefined {
  const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function specVersion(specPath: string): Version {
  const text = String((parse(readFileSync(specPath, 'utf8')) as { info?: { version?: unknown } }).info?.version);
  const version = parseVersion(text);
  if (!version) throw new Error(`${specPath}: info.version ${JSON.stringify(text)} is not major.minor.patch`);
  return version;
}

/** Every release, oldest first; a file under the folder not named for a version is a mistake, not ignored. */
export function releases(dir: string): Release[] {
  const out: Release[] = [];
  for (const name of readdirSync(dir)) {
    const version = parseVersion(name.replace(/\.yaml$/, ''));
    if (!name.endsWith('.yaml') || !version) throw new Error(`${join(dir, name)}: a released spec is named <major>.<minor>.<patch>.yaml`);
    out.push({ version, file: join(dir, name) });
  }
  return out.sort((a, b) => compareVersions(a.version, b.version));
}

/** The file of findings accepted against `release`, if it has one. */
export function acceptedFindings(dir: string, release: Release): string | undefined {
  const file = join(dir, `${release.version.text}.txt`);
  return existsSync(file) ? file : undefined;
}

/** The newest release, of `major` when given. */
export function latestRelease(dir: string, major?: number): Release | undefined {
  return releases(dir)
    .filter((r) => major === undefined || r.version.major === major)
    .at(-1);
}
