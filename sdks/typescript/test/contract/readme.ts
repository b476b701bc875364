// README.md's examples, proven on the contract environment: every `ts` block is a module that is
// type-checked under the SDK's own strict settings (as an integrator's project would be) and then
// run with TRANSMUTE_BASE_URL and TRANSMUTE_API_KEY pointing at the environment. A block that
// exports `onWebhook` is a receiver: it is served on loopback and must accept a real, signed
// delivery and refuse a forged one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BACKGROUND_MS, collect, contract, OIDC_PROVIDER, until } from '../support/contract.ts';
import { withEnv } from '../support/env.ts';

const PACKAGE = join(import.meta.dirname, '..', '..');
const ROOT = join(PACKAGE, '..', '..');
const SDK_ENTRY = join(PACKAGE, 'src', 'index.ts');
/** The one block that is not TypeScript: package.test.ts installs the packed SDK the same way. */
const INSTALL = 'npm install @transmute/sdk\n';

interface Example {
  line: number;
  lang: string;
  code: string;
}

type WebhookHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

function readmeExamples(): Example[] {
  const markdown = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
  return [...markdown.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    line: markdown.slice(0, match.index).split('\n').length,
    lang: match[1]!,
    code: match[2]!,
  }));
}

/** The compiler options an integrator gets from the SDK's tsconfig, with Node's types for the examples. */
function tsconfig(): string {
  return JSON.stringify({
    extends: join(PACKAGE, 'tsconfig.json'),
    compilerOptions: { types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], paths: { '@transmute/sdk': [SDK_ENTRY] } },
    include: ['example-*.mts'],
  });
}

/** Serves the example's handler, points a new endpoint at it, and has a job's event delivered. */
async function deliverTo(onWebhook: WebhookHandler): Promise<void> {
  const { client } = contract();
  const server = createServer((request, response) => void onWebhook(request, response).catch(() => response.writeHead(500).end()));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const { endpoint, secret } = await client.webhooks.createEndpoint({ url, events: ['job.succeeded'] });
    await withEnv({ WEBHOOK_SECRET: secret }, async () => {
      const job = await client.jobs.createAndWait({ from: 'json', to: 'csv', input: '[{"c":3}]' }, { deadlineMs: BACKGROUND_MS });
      const attempt = await until(async () => {
        const event = (await client.webhooks.listEvents({ type: 'job.succeeded' })).data.find((e) => e.data.job_id === job.id);
        return event && (await collect(client.webhooks.listDeliveries(endpoint.id))).find((d) => d.event_id === event.id);
      }, "the delivery to the README's handler", 500);
      assert.equal(attempt.status, 'succeeded', 'the handler answered 2xx: it verified the signature');
      const forged = await fetch(url, {
        method: 'POST',
        headers: { 'webhook-id': attempt.event_id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}` },
        body: '{}',
      });
      assert.equal(forged.status, 400, 'the handler refuses a delivery whose signature does not match');
    });
    await client.webhooks.deleteEndpoint(endpoint.id);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

export function readmeSuite(): void {
  describe('README examples', () => {
    const examples = readmeExamples();
    const typescript = examples.filter((example) => example.lang === 'ts');
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'transmute-readme-'));
      writeFileSync(join(dir, 'tsconfig.json'), tsconfig());
      for (const { line, code } of typescript) writeFileSync(join(dir, `example-${line}.mts`), code);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('every example is TypeScript, but for the install command', () => {
      assert.ok(typescript.length > 0);
      assert.deepEqual(
        examples.filter((example) => example.lang !== 'ts').map(({ lang, code }) => ({ lang, code })),
        [{ lang: 'sh', code: INSTALL }],
      );
    });

    it('every example type-checks against the SDK', () => {
      try {
        execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        assert.fail(`README examples do not type-check (example-<line>.mts is README.md:<line>):\n${(error as { stdout?: string }).stdout}`);
      }
    });

    for (const { line, code } of typescript) {
      it(`README.md:${line} runs`, async () => {
        const file = join(dir, `run-${line}.mts`);
        // The package name resolves to the source under test, not to a published build.
        writeFileSync(file, code.replaceAll(`'@transmute/sdk'`, JSON.stringify(pathToFileURL(SDK_ENTRY).href)));
        const { environment, baseURL } = contract();
        await withEnv({ TRANSMUTE_BASE_URL: baseURL, TRANSMUTE_API_KEY: environment.key, OIDC_PROVIDER }, async () => {
          const example = (await import(pathToFileURL(file).href)) as { onWebhook?: WebhookHandler };
          if (example.onWebhook) await deliverTo(example.onWebhook);
        });
      });
    }
  });
}
