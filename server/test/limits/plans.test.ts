// The plans file: the shipped one loads; a wrong one stops startup naming the file and the field.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { loadPlans } from '../../src/limits/plans.ts';

const dir = mkdtempSync(join(tmpdir(), 'transmute-plans-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const VALID = `
free: { requests: 60, window_s: 60, webhook_endpoints: 5 }
pro: { requests: 600, window_s: 60, webhook_endpoints: 20 }
enterprise: { requests: 6000, window_s: 60, webhook_endpoints: 100 }
`;

function plansFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function refusal(file: string): string {
  try {
    loadPlans(file);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`${file} was accepted`);
}

test('the shipped plans file is the default and holds the documented limits', () => {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
  assert.equal(config.plansFile, fileURLToPath(new URL('../../plans.yaml', import.meta.url)));
  assert.deepEqual(loadPlans(config.plansFile), {
    free: { requests: 60, windowS: 60, monthlyRequests: 10_000, webhookEndpoints: 5 },
    pro: { requests: 600, windowS: 60, monthlyRequests: 1_000_000, webhookEndpoints: 20 },
    enterprise: { requests: 6000, windowS: 60, monthlyRequests: 100_000_000, webhookEndpoints: 100 },
  });
});

test('monthly_requests is optional (no quota) and, when given, a whole number in range', () => {
  const file = plansFile('monthly.yaml', VALID.replace('pro: { requests: 600,', 'pro: { monthly_requests: 500, requests: 600,'));
  assert.deepEqual(loadPlans(file).pro, { requests: 600, windowS: 60, monthlyRequests: 500, webhookEndpoints: 20 });
  assert.deepEqual(loadPlans(file).free, { requests: 60, windowS: 60, webhookEndpoints: 5 });
  const message = refusal(plansFile('monthly-bad.yaml', VALID.replace('free: { requests: 60,', 'free: { monthly_requests: 0, requests: 60,')));
  assert.match(message, /^\s+free\.monthly_requests: must be a whole number from 1 to 1000000000000$/m);
});

test('a valid file is read into requests and windowS per plan', () => {
  const file = plansFile('custom.yaml', VALID.replace('requests: 600,', 'requests: 5,').replace('window_s: 60, webhook_endpoints: 20', 'window_s: 10, webhook_endpoints: 20'));
  assert.deepEqual(loadPlans(file).pro, { requests: 5, windowS: 10, webhookEndpoints: 20 });
});

test('webhook_endpoints is required, a whole number from 0 (no webhooks) to 10000', () => {
  assert.equal(loadPlans(plansFile('no-webhooks.yaml', VALID.replace('webhook_endpoints: 5', 'webhook_endpoints: 0'))).free.webhookEndpoints, 0);
  const message = refusal(plansFile('webhooks-bad.yaml', VALID.replace(', webhook_endpoints: 5', '').replace('webhook_endpoints: 20', 'webhook_endpoints: 10001')));
  assert.match(message, /^\s+free\.webhook_endpoints: must be a whole number from 0 to 10000$/m);
  assert.match(message, /^\s+pro\.webhook_endpoints: must be a whole number from 0 to 10000$/m);
});

test('a plan left out is named, with the plans that must be listed', () => {
  const file = plansFile('missing.yaml', VALID.replace(/^pro:.*$/m, ''));
  const message = refusal(file);
  assert.ok(message.includes(file), message);
  assert.match(message, /^\s+pro: is missing: every plan \(free, pro, enterprise\) must be listed$/m);
});

test('a field of the wrong type or out of range is named by plan and field', () => {
  const file = plansFile('fields.yaml', VALID.replace('requests: 60,', 'requests: "60",').replace('requests: 6000, window_s: 60', 'requests: 6000, window_s: 0'));
  const message = refusal(file);
  assert.ok(message.startsWith(`invalid plans file ${file}:`), message);
  assert.match(message, /^\s+free\.requests: must be a whole number from 1 to 1000000000$/m);
  assert.match(message, /^\s+enterprise\.window_s: must be a whole number from 1 to 86400$/m);
});

test('a fractional request count is refused', () => {
  assert.match(refusal(plansFile('fraction.yaml', VALID.replace('requests: 600,', 'requests: 1.5,'))), /pro\.requests: must be a whole number/);
});

test('an unknown plan and an unknown field are refused, not ignored', () => {
  const message = refusal(plansFile('unknown.yaml', VALID.replace('pro: { requests: 600,', 'pro: { burst: 10, requests: 600,') + 'gold: { requests: 1, window_s: 1 }\n'));
  assert.match(message, /pro: Unrecognized key: "burst"/);
  assert.match(message, /\(top level\): Unrecognized key: "gold"/);
});

test('a file that is not a mapping, is not YAML, or is missing names the file', () => {
  assert.match(refusal(plansFile('list.yaml', '- free\n- pro\n')), /\(top level\): .*expected record/);
  const broken = plansFile('broken.yaml', 'free: { requests: 60\n');
  assert.match(refusal(broken), new RegExp(`^plans file ${broken} is not valid YAML: `));
  const absent = join(dir, 'absent.yaml');
  assert.equal(refusal(absent), `plans file ${absent} cannot be read: ENOENT`);
});
