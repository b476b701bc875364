// The operators' guides, the quick start and the changelog hold to the code: every link reaches a
// file and heading, every environment variable they name is one something reads, every make target
// exists, and the changelog's latest version is the spec's, covering every path of it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../server/src/config.ts';
import { loadSpec, operationsOf, ROOT } from '../lib/spec.ts';

const OPERATIONS_DIR = join(ROOT, 'docs', 'operations');
const DOCS = [
  ...readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.md')).map((f) => join(OPERATIONS_DIR, f)),
  join(ROOT, 'docs', 'quickstart.md'),
  join(ROOT, 'CHANGELOG.md'),
  join(ROOT, 'README.md'),
];
const read = (path: string) => readFileSync(path, 'utf8');
const name = (path: string) => relative(ROOT, path);

/** The text outside fenced code blocks. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
const anchorsOf = (path: string) => new Set([...prose(read(path)).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!.trim())));

/** Files under `dir` with one of the extensions, recursively. */
const sources = (dir: string, ext: RegExp) =>
  readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && ext.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));

/**
 * Every variable something in the repository reads or sets: the server's schema, what the server,
 * the scripts and the TypeScript SDK read by name, and what the compose stack's services are given.
 */
function knownVariables(): Set<string> {
  const known = new Set<string>(CONFIG_VARIABLES);
  const code = [...sources('server/src', /\.ts$/), ...sources('scripts', /\.ts$/), ...sources('sdks/typescript/src', /\.ts$/)];
  for (const file of code) {
    for (const m of read(file).matchAll(/\benv\.([A-Z][A-Z0-9_]+)|readEnv\('([A-Z][A-Z0-9_]+)'\)/g)) known.add((m[1] ?? m[2])!);
  }
  for (const file of readdirSync(join(ROOT, 'deploy')).filter((f) => f.endsWith('.env.example'))) {
    for (const m of read(join(ROOT, 'deploy', file)).matchAll(/^([A-Z][A-Z0-9_]+)=/gm)) known.add(m[1]!);
  }
  const compose = parse(read(join(ROOT, 'compose.yaml'))) as { services: Record<string, { environment?: Record<string, string> }> };
  for (const service of Object.values(compose.services)) for (const key of Object.keys(service.environment ?? {})) known.add(key);
  return known;
}

describe('operations docs, quick start and changelog', () => {
  it('link only to files and headings that exist', () => {
    let links = 0;
    for (const doc of DOCS) {
      for (const [, target] of prose(read(doc)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        links++;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path === '' ? doc : join(dirname(doc), path);
        assert.ok(existsSync(file), `${name(doc)}: ${target} does not exist`);
        if (anchor !== undefined) assert.ok(anchorsOf(file).has(anchor), `${name(doc)}: no heading #${anchor} in ${name(file)}`);
      }
    }
    assert.ok(links > 50);
  });

  it('name only environment variables that something reads or sets', () => {
    const known = knownVariables();
    for (const doc of DOCS.filter((d) => !d.endsWith('README.md'))) {
      for (const [, variable] of prose(read(doc)).matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) {
        assert.ok(known.has(variable!), `${name(doc)}: ${variable} is read by nothing`);
      }
    }
  });

  it('run only make targets the Makefile has', () => {
    const targets = new Set([...read(join(ROOT, 'Makefile')).matchAll(/^([a-z][a-z0-9-]*):/gm)].map((m) => m[1]!));
    for (const doc of DOCS) {
      // As a command: in inline code or at the start of a line of a code block (prose says "make a …").
      for (const [, target] of read(doc).matchAll(/(?:^|`)make ([a-z][a-z0-9-]*)\b/gm)) {
        assert.ok(targets.has(target!), `${name(doc)}: make ${target} is not a target`);
      }
    }
  });

  it("start the changelog with the spec's version, listing every path of it", () => {
    const spec = loadSpec();
    const changelog = read(join(ROOT, 'CHANGELOG.md'));
    const releases = [...changelog.matchAll(/^## (\d+\.\d+\.\d+) - \d{4}-\d{2}-\d{2}$/gm)];
    assert.equal(releases[0]?.[1], spec.info.version);
    const entry = changelog.slice(releases[0]!.index, releases[1]?.index);
    for (const { method, path } of operationsOf(spec)) {
      assert.ok(entry.includes(`${method.toUpperCase()} ${path}\``), `${method.toUpperCase()} ${path} is in the ${spec.info.version} entry`);
    }
  });
});
