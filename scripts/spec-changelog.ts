// What changed since the latest release (of any major), as oasdiff's changelog: release notes
// and docs start from it. `make spec-changelog [FORMAT=markdown|text|html|json|yaml]`
//   node scripts/spec-changelog.ts [--released openapi/released] [--spec openapi/openapi.yaml] [--format markdown]
import { parseArgs } from 'node:util';
import { SPEC_PATH } from './lib/spec.ts';
import { oasdiff } from './spec/oasdiff.ts';
import { latestRelease, RELEASED_DIR, type Release } from './spec/releases.ts';

export async function changelog(base: Release, specPath: string, format: string): Promise<string> {
  const { code, output } = await oasdiff('changelog', base.file, specPath, ['--format', format]);
  if (code !== 0) throw new Error(`oasdiff changelog ${base.file} ${specPath} failed (exit ${code}):\n${output}`);
  return output;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { released: { type: 'string' }, spec: { type: 'string' }, format: { type: 'string' } }, strict: true });
  const releasedDir = values.released ?? RELEASED_DIR;
  const base = latestRelease(releasedDir);
  if (!base) throw new Error(`no release under ${releasedDir}: nothing to compare with`);
  process.stdout.write(await changelog(base, values.spec ?? SPEC_PATH, values.format ?? 'markdown'));
}

if (import.meta.main) await main();
