// `make generate`: everything derived from openapi/, in one deterministic pass. The inputs' hash
// is stored beside the outputs; an unchanged hash means there is nothing to do.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { generateCodeSamples, withCodeSamples } from './generate/code-samples.ts';
import { generateErrorDocs, generateErrorTable } from './generate/errors.ts';
import { generateGrafana } from './generate/grafana.ts';
import { generateLoadtest, MIX_PATH } from './generate/loadtest.ts';
import { generateRoutes } from './generate/routes.ts';
import { writeGoSdk } from './generate/sdk-go.ts';
import { generatePythonSdk } from './generate/sdk-python.ts';
import { GENERATOR_REQUIREMENTS } from './generate/sdk-python-models.ts';
import { generateTypeScriptSdk } from './generate/sdk-typescript.ts';
import { generateValidators } from './generate/validators.ts';
import { loadErrorCatalog, loadSpec, ROOT } from './lib/spec.ts';
import { writeGenerated } from './lib/write.ts';
import { ACCEPTED_DIR, RELEASED_DIR } from './spec/releases.ts';

const SERVER_OUT = join(ROOT, 'server', 'src', 'generated');
const HASH_FILE = join(SERVER_OUT, 'inputs.sha256');

/** Packages whose version shapes the output. */
const GENERATORS = ['openapi-typescript', 'ajv', 'ajv-formats', '@grafana/grafana-foundation-sdk', '@hey-api/openapi-ts'];

/**
 * Files whose change must regenerate: the spec, the generator itself, the generators' versions (npm
 * packages, and the Python models generator's pins), the server's latency buckets (x-sla is checked
 * against them), and the load test's mix. Not the released specs (openapi/released) nor the findings
 * accepted against them (openapi/breaking-accepted): nothing is generated from them, so cutting a
 * release regenerates nothing.
 */
function inputFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
  const packages = GENERATORS.map((name) => join(ROOT, 'node_modules', name, 'package.json'));
  const spec = walk(join(ROOT, 'openapi')).filter((file) => ![RELEASED_DIR, ACCEPTED_DIR].some((dir) => file.startsWith(dir + sep)));
  return [...spec, ...walk(join(ROOT, 'scripts', 'generate')), ...walk(join(ROOT, 'scripts', 'lib')), join(ROOT, 'scripts', 'generate.ts'), join(ROOT, 'server', 'src', 'observability', 'latency-buckets.ts'), MIX_PATH, GENERATOR_REQUIREMENTS, ...packages].sort();
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of inputFiles()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

function storedHash(): string | undefined {
  try {
    return readFileSync(HASH_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const hash = inputsHash();
  if (!force && storedHash() === hash) {
    process.stderr.write('generate: up to date\n');
    return;
  }
  // Outputs are written one after another: a run that fails half-way must not leave the last good
  // run's hash beside them, or the next run would call the half-written files up to date.
  rmSync(HASH_FILE, { force: true });
  const spec = loadSpec();
  const catalog = loadErrorCatalog();

  writeGenerated(join(SERVER_OUT, 'api-types.ts'), astToString(await openapiTS(structuredClone(spec) as never, { alphabetize: false })));

  const validators = generateValidators(spec);
  writeGenerated(join(SERVER_OUT, 'validators.cjs'), validators.code);
  writeGenerated(join(SERVER_OUT, 'validators.d.cts'), validators.declarations);
  writeGenerated(join(SERVER_OUT, 'routes.ts'), generateRoutes(spec, validators.names));

  writeGenerated(join(SERVER_OUT, 'errors.ts'), generateErrorTable(catalog));
  writeGenerated(join(ROOT, 'docs', 'errors.md'), generateErrorDocs(catalog));

  for (const file of generateGrafana(spec)) writeGenerated(join(ROOT, file.path), file.content);
  for (const file of generateLoadtest(spec)) writeGenerated(join(ROOT, file.path), file.content);

  for (const file of await generateTypeScriptSdk(spec)) writeGenerated(join(ROOT, 'sdks', 'typescript', 'src', 'generated', file.path), file.content);
  for (const file of generatePythonSdk(spec)) writeGenerated(join(ROOT, 'sdks', 'python', 'src', 'transmute', file.path), file.content);

  const goModels = writeGoSdk(spec).find((file) => file.path === 'models.gen.go')!.content;

  // The served spec carries each operation's SDK calls (x-codeSamples); openapi/ stays as written.
  const served = withCodeSamples(spec, generateCodeSamples(spec, goModels));
  writeFileSync(join(SERVER_OUT, 'openapi.json'), JSON.stringify(served, null, 2) + '\n');

  writeFileSync(HASH_FILE, hash + '\n');
}

await main();
