// `make release-spec`: records the spec as released under its info.version, in openapi/released/,
// where the breaking-change gate finds it. Refuses a version already released or older than its
// major's latest, and a spec the gate refuses; prints what changed since the previous release.
//   node scripts/release-spec.ts [--released openapi/released] [--spec openapi/openapi.yaml]
import { constants, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { SPEC_PATH } from './lib/spec.ts';
import { checkBreaking } from './spec-breaking.ts';
import { changelog } from './spec-changelog.ts';
import { compareVersions, latestRelease, RELEASED_DIR, specVersion } from './spec/releases.ts';

class Refused extends Error {}

/** A release must stand alone: an external `$ref` would point at files that go on changing. */
function externalRefs(node: unknown, path = ''): string[] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' && !value.startsWith('#') ? [`${path}/${key}: ${value}`] : externalRefs(value, `${path}/${key}`),
  );
}

export async function releaseSpec(releasedDir: string, specPath: string): Promise<string> {
  const version = specVersion(specPath);
  const target = join(releasedDir, `${version.text}.yaml`);
  if (existsSync(target)) throw new Refused(`${version.text} is already released (${target}): set info.version to the version you are releasing`);
  const latest = latestRelease(releasedDir, version.major);
  if (latest && compareVersions(version, latest.version) < 0) throw new Refused(`${version.text} is older than the latest ${version.major}.x release, ${latest.version.text}`);
  const refs = externalRefs(parse(readFileSync(specPath, 'utf8')));
  if (refs.length > 0) throw new Refused(`the spec has external $refs; bundle them first:\n${refs.join('\n')}`);
  const gate = await checkBreaking(releasedDir, specPath);
  if (!gate.passed) throw new Refused(gate.report);

  const previous = latestRelease(releasedDir);
  const changes = previous ? `Changes since ${previous.version.text}:\n${await changelog(previous, specPath, 'text')}` : '';
  // COPYFILE_EXCL: a release written meanwhile is never replaced.
  copyFileSync(specPath, target, constants.COPYFILE_EXCL);
  return `released ${version.text} as ${target}; commit it\n${changes}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { released: { type: 'string' }, spec: { type: 'string' } }, strict: true });
  try {
    process.stderr.write(await releaseSpec(values.released ?? RELEASED_DIR, values.spec ?? SPEC_PATH));
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    process.stderr.write(`release-spec: ${error.message}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.main) await main();
