// The breaking-change gate `make lint` runs: the spec against the latest release of its major,
// refused on any change oasdiff rates an error, except the findings accepted against that release
// (openapi/breaking-accepted/<version>.txt). A major no release has yet may break anything.
//   node scripts/spec-breaking.ts [--released openapi/released] [--accepted openapi/breaking-accepted] [--spec openapi/openapi.yaml]
import { isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { SPEC_PATH } from './lib/spec.ts';
import { oasdiff } from './spec/oasdiff.ts';
import { ACCEPTED_DIR, acceptedFindings, latestRelease, RELEASED_DIR, specVersion } from './spec/releases.ts';

export interface GateResult {
  passed: boolean;
  /** What was compared and, when oasdiff ran, what it reported. */
  report: string;
}

/** Paths as oasdiff will print them: relative to here when inside it, which they are from `make lint`. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

export async function checkBreaking(releasedDir: string, specPath: string, acceptedDir = ACCEPTED_DIR): Promise<GateResult> {
  const version = specVersion(specPath);
  const base = latestRelease(releasedDir, version.major);
  const spec = shown(specPath);
  if (!base) return { passed: true, report: `${spec} is ${version.text}: no ${version.major}.x release yet, so a breaking change is allowed\n` };
  const accepted = acceptedFindings(acceptedDir, base);
  const { code, output } = await oasdiff('breaking', shown(base.file), spec, ['--fail-on', 'ERR', ...(accepted ? ['--err-ignore', accepted] : [])]);
  const findings = output.trimEnd();
  const heading = `${spec} (${version.text}) against release ${base.version.text}`;
  const leftOut = accepted ? `the findings accepted in ${shown(accepted)} left out\n` : '';
  if (code === 0) return { passed: true, report: `${heading}: no breaking change\n${leftOut}${findings}\n` };
  // 1 is --fail-on's verdict; any other status means oasdiff could not read one of the specs.
  if (code !== 1) return { passed: false, report: `${heading}: oasdiff could not compare them (exit ${code})\n${findings}\n` };
  return {
    passed: false,
    report:
      `${heading}: refused\n${leftOut}${findings}\n` +
      `A breaking change goes to a new major: set info.version to ${version.major + 1}.0.0. Or make the change ` +
      `additive, or deprecate first and remove once the released x-sunset has passed (README.md, "Changing the API").\n`,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { released: { type: 'string' }, accepted: { type: 'string' }, spec: { type: 'string' } }, strict: true });
  const { passed, report } = await checkBreaking(values.released ?? RELEASED_DIR, values.spec ?? SPEC_PATH, values.accepted ?? ACCEPTED_DIR);
  process.stderr.write(report);
  process.exitCode = passed ? 0 : 1;
}

if (import.meta.main) await main();
