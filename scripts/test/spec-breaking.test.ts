// The breaking-change gate, run as `make lint` runs it, on the real oasdiff: the spec passes against
// its release, a breaking change in the same major is refused with oasdiff's finding, an additive
// one passes, a new major may break, a finding accepted against the release is left out (and only
// that one), and an operation deprecated with our x-sunset may go once its released sunset has
// passed. Cutting a release snapshots the spec and refuses to redo one.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { loadSpec, ROOT, SPEC_PATH } from '../lib/spec.ts';
import { latestRelease, RELEASED_DIR, specVersion } from '../spec/releases.ts';
import { day, deprecate } from './support/deprecation.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'transmute-spec-breaking-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Json = Record<string, any>;
let written = 0;

// Versions relative to the spec's latest release, so that releasing does not break these tests.
const { major } = specVersion(SPEC_PATH);
const base = latestRelease(RELEASED_DIR, major);
const NEXT_MINOR = `${major}.${(base?.version.minor ?? 0) + 1}.0`;
const NEXT_PATCH = `${major}.${(base?.version.minor ?? 0) + 1}.1`;
const NEXT_MAJOR = `${major + 1}.0.0`;

/** A copy of the spec with `change` made and info.version set, written under the temp folder. */
function variant(version: string, change: (spec: Json) => void = () => {}): string {
  const spec = loadSpec();
  spec.info.version = version;
  change(spec);
  const file = join(work, `spec-${++written}.yaml`);
  writeFileSync(file, stringify(spec));
  return file;
}

/** A folder of releases: version → spec file. */
function releasedDir(files: Record<string, string>): string {
  const dir = join(work, `released-${++written}`);
  mkdirSync(dir);
  for (const [version, file] of Object.entries(files)) copyFileSync(file, join(dir, `${version}.yaml`));
  return dir;
}

async function script(name: string, args: string[]): Promise<{ code: number; output: string }> {
  const result = await run(process.execPath, [join(ROOT, 'scripts', name), ...args], { cwd: ROOT, maxBuffer: 16 << 20 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  return { code: result.code, output: result.stdout + result.stderr };
}

const gate = (released: string, spec: string, accepted?: string) =>
  script('spec-breaking.ts', ['--released', released, '--spec', spec, ...(accepted ? ['--accepted', accepted] : [])]);

const removeListFormats = (spec: Json) => delete spec.paths['/v1/formats'].get;
const requireLocale = (spec: Json) => {
  const request = spec.components.schemas.ConversionRequest;
  request.properties.locale = { type: 'string', description: 'The input’s locale.' };
  request.required.push('locale');
};
const dropStats = (spec: Json) => {
  const conversion = spec.components.schemas.Conversion;
  delete conversion.properties.stats;
  conversion.required = conversion.required.filter((name: string) => name !== 'stats');
};
const addGetFormat = (spec: Json) => {
  spec.paths['/v1/formats/{format}'] = {
    get: { ...spec.paths['/v1/formats'].get, operationId: 'getFormat', parameters: [{ name: 'format', in: 'path', required: true, schema: { $ref: '#/components/schemas/Format' } }] },
  };
};

describe('the breaking-change gate', () => {
  it('passes the spec against the latest release of its major', async () => {
    assert.ok(base, 'the spec’s major has a release to compare with');
    const { code, output } = await gate(RELEASED_DIR, SPEC_PATH);
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`against release ${base.version.text}: no breaking change`));
  });

  for (const [kind, change, finding] of [
    ['an operation removed', removeListFormats, /\[api-removed-without-deprecation\][^\n]*\n\s*in API GET \/v1\/formats\n/],
    ['a required request property added', requireLocale, /\[new-required-request-property\][^\n]*\n\s*in API POST \/v1\/conversions\n[^\n]*`locale`/],
    ['a required response property removed', dropStats, /\[response-required-property-removed\][^\n]*\n\s*in API POST \/v1\/conversions\n[^\n]*`stats`/],
  ] as const) {
    it(`refuses ${kind} within the major, naming it`, async () => {
      const { code, output } = await gate(RELEASED_DIR, variant(NEXT_MINOR, change));
      assert.equal(code, 1, output);
      assert.ok(output.includes(`against release ${base?.version.text}: refused`), output);
      assert.match(output, finding);
      assert.ok(output.includes(`set info.version to ${NEXT_MAJOR}`), output);
    });
  }

  it('passes additive changes: optional properties and a new operation', async () => {
    const spec = variant(NEXT_MINOR, (s) => {
      s.components.schemas.ConversionRequest.properties.locale = { type: 'string', description: 'The input’s locale.' };
      s.components.schemas.Conversion.properties.warnings = { type: 'array', items: { type: 'string' } };
      addGetFormat(s);
    });
    const { code, output } = await gate(RELEASED_DIR, spec);
    assert.equal(code, 0, output);
    assert.match(output, /no breaking change/);
  });

  it('passes a breaking change that goes to a new major', async () => {
    const { code, output } = await gate(RELEASED_DIR, variant(NEXT_MAJOR, removeListFormats));
    assert.equal(code, 0, output);
    assert.ok(output.includes(`no ${major + 1}.x release yet, so a breaking change is allowed`), output);
  });

  it('leaves out the findings accepted against the release, and only those', async () => {
    const released = releasedDir({ [NEXT_MINOR]: variant(NEXT_MINOR) });
    const both = variant(NEXT_PATCH, (s) => {
      dropStats(s);
      removeListFormats(s);
    });
    const refused = await gate(released, both, join(work, 'none'));
    assert.equal(refused.code, 1, refused.output);
    // Each finding as oasdiff prints it, which is how an accepted line names it: the stats are gone
    // from the single conversion and the batch's items alike.
    const findings = [...refused.output.matchAll(/\[response-required-property-removed\][^\n]*\n\s*in API ([A-Z]+ \S+)\n\s*([^\n]*)/g)];
    assert.equal(findings.length, 2, refused.output);
    const accepted = join(work, `accepted-${++written}`);
    mkdirSync(accepted);
    writeFileSync(join(accepted, `${NEXT_MINOR}.txt`), `# the reason\n${findings.map(([, operation, text]) => `${operation} ${text}\n`).join('')}`);

    const other = await gate(released, both, accepted);
    assert.equal(other.code, 1, other.output);
    assert.match(other.output, /\[api-removed-without-deprecation\]/);
    assert.doesNotMatch(other.output, /response-required-property-removed/);
    const alone = await gate(released, variant(NEXT_PATCH, dropStats), accepted);
    assert.equal(alone.code, 0, alone.output);
    assert.ok(alone.output.includes(`against release ${NEXT_MINOR}: no breaking change\nthe findings accepted in ${accepted}`), alone.output);
  });

  it('compares with the newest release of the same major, in semver order', async () => {
    const released = releasedDir({ '1.9.0': variant('1.9.0'), '1.10.0': variant('1.10.0', addGetFormat), '2.0.0': variant('2.0.0', dropStats) });
    // 1.10.0, not 1.9.0 (which sorts last as text), had the operation this drops.
    const dropped = await gate(released, variant('1.10.1'));
    assert.equal(dropped.code, 1, dropped.output);
    assert.match(dropped.output, /against release 1\.10\.0: refused[\s\S]*in API GET \/v1\/formats\/\{format\}/);
    // 2.0.0 dropped stats; a 1.x spec keeping them is not compared with it.
    const kept = await gate(released, variant('1.10.1', addGetFormat));
    assert.equal(kept.code, 0, kept.output);
  });
});

describe('deprecating an operation, then removing it (README, "Deprecating an operation")', () => {
  const deprecateListFormats = (sunset: unknown) => (spec: Json) =>
    deprecate(spec.paths['/v1/formats'].get, { sunset, since: day(-60), link: 'https://transmute.dev/docs/migrations/formats-v2' });
  /** A release of the next minor with listFormats deprecated until `sunset`. */
  const releasedDeprecated = (sunset: string) => releasedDir({ [NEXT_MINOR]: variant(NEXT_MINOR, deprecateListFormats(sunset)) });

  it('passes the deprecation in a minor: oasdiff reads x-sunset as its date and lets x-deprecation be', async () => {
    const { code, output } = await gate(RELEASED_DIR, variant(NEXT_MINOR, deprecateListFormats(day(180))));
    assert.equal(code, 0, output);
    assert.match(output, /no breaking change/);
  });

  it('refuses an x-sunset oasdiff cannot read as a date, as the object x-sunset once was', async () => {
    const { code, output } = await gate(RELEASED_DIR, variant(NEXT_MINOR, deprecateListFormats({ date: day(180) })));
    assert.equal(code, 1, output);
    assert.match(output, /\[api-deprecated-sunset-parse\][^\n]*\n\s*in API GET \/v1\/formats\n/);
  });

  it('passes removing it within the major once the released sunset has passed, and refuses it before', async () => {
    const removed = variant(NEXT_PATCH, removeListFormats);
    const passed = await gate(releasedDeprecated(day(-1)), removed);
    assert.equal(passed.code, 0, passed.output);
    assert.ok(passed.output.includes(`against release ${NEXT_MINOR}: no breaking change`), passed.output);

    const sunset = day(180);
    const early = await gate(releasedDeprecated(sunset), removed);
    assert.equal(early.code, 1, early.output);
    assert.match(early.output, new RegExp(`\\[api-removed-before-sunset\\][^\\n]*\\n\\s*in API GET /v1/formats\\n[^\\n]*${sunset}`));
  });

  it('refuses moving a released sunset earlier', async () => {
    const { code, output } = await gate(releasedDeprecated(day(180)), variant(NEXT_PATCH, deprecateListFormats(day(90))));
    assert.equal(code, 1, output);
    assert.match(output, /\[api-sunset-date-changed-earlier\][^\n]*\n\s*in API GET \/v1\/formats\n/);
  });
});

describe('cutting a release', () => {
  const release = (released: string, spec: string) => script('release-spec.ts', ['--released', released, '--spec', spec]);

  it('snapshots the spec under its version, then refuses to overwrite it, to go back, or to break the major', async () => {
    const released = releasedDir({});
    const first = variant('1.0.0');
    assert.equal((await release(released, first)).code, 0);
    assert.equal(readFileSync(join(released, '1.0.0.yaml'), 'utf8'), readFileSync(first, 'utf8'));

    const again = await release(released, variant('1.0.0', addGetFormat));
    assert.equal(again.code, 1, again.output);
    assert.match(again.output, /1\.0\.0 is already released/);
    assert.equal(readFileSync(join(released, '1.0.0.yaml'), 'utf8'), readFileSync(first, 'utf8'));

    const minor = await release(released, variant('1.1.0', addGetFormat));
    assert.equal(minor.code, 0, minor.output);
    assert.match(minor.output, /Changes since 1\.0\.0:[\s\S]*GET \/v1\/formats\/\{format\}/);

    const older = await release(released, variant('1.0.5'));
    assert.equal(older.code, 1, older.output);
    assert.match(older.output, /older than the latest 1\.x release, 1\.1\.0/);

    const breaking = await release(released, variant('1.2.0', dropStats));
    assert.equal(breaking.code, 1, breaking.output);
    assert.match(breaking.output, /response-required-property-removed/);
    assert.deepEqual(readdirSync(released).sort(), ['1.0.0.yaml', '1.1.0.yaml']);
  });
});

it('spec-changelog lists what changed since the latest release', async () => {
  const { code, output } = await script('spec-changelog.ts', ['--released', RELEASED_DIR, '--spec', variant(NEXT_MINOR, addGetFormat)]);
  assert.equal(code, 0, output);
  assert.match(output, /### GET \/v1\/formats\/\{format\}\n-\s+endpoint added/);
});
