// The SSRF guard: which addresses a webhook may reach, when the URL is saved (E1404 through the real
// server, with no allow-list) and when a delivery connects (the connection's own lookup validates,
// so a DNS answer that changes after the check cannot reach a private address). No test here sends
// anything anywhere but to the loopback receiver.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { after, before, test } from 'node:test';
import { WebhookSender } from '../../src/webhooks/send.ts';
import { UrlPolicy, type Resolve } from '../../src/webhooks/ssrf.ts';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { Receiver } from './receiver.ts';

const REFUSED_ADDRESSES = [
  '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '169.254.1.1', '100.64.0.1',
  '100.100.100.200', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1', '192.0.2.1', '192.0.0.192', '240.0.0.1',
  '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
  '::127.0.0.1', '::8.8.8.8', '64:ff9b::127.0.0.1', '64:ff9b::169.254.169.254', '64:ff9b:1::10.0.0.1', '64:ff9b:1:a9fe:a9:fe00:808:808', '2001:db8::1',
  '2002:7f00:1::1', '2001::1', '2001:2::1', '100::1', 'fec0::1', 'fe80::1%eth0',
];
const PUBLIC_ADDRESSES = ['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'];

const fixed = (answers: Record<string, string[]>): Resolve => async (host) => {
  const addresses = answers[host];
  if (addresses === undefined) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
  return addresses;
};

test('the WHATWG URL parser normalises decimal, octal and hex IPv4 forms before any check', () => {
  for (const url of ['http://2130706433/', 'http://0x7f000001/', 'http://0x7f.1/', 'http://017700000001/', 'http://0177.0.0.1/', 'http://127.1/']) {
    assert.equal(new URL(url).hostname, '127.0.0.1', url);
  }
  assert.equal(new URL('http://[::ffff:127.0.0.1]/').hostname, '[::ffff:7f00:1]');
});

test('only public addresses are allowed, whatever form they are written in', () => {
  const policy = new UrlPolicy([]);
  for (const address of REFUSED_ADDRESSES) assert.equal(policy.addressAllowed(address, address, { plain: false }), false, address);
  for (const address of PUBLIC_ADDRESSES) assert.equal(policy.addressAllowed(address, address, { plain: false }), true, address);
  assert.equal(policy.addressAllowed('not an address', 'x', { plain: false }), false);
});

test('allow-list entries admit hosts, addresses and ranges, for plain http too, but never a metadata address', () => {
  const policy = new UrlPolicy(['127.0.0.1', '169.254.0.0/16', 'fd00::/8', 'Hooks.Internal']);
  assert.equal(policy.addressAllowed('127.0.0.1', '127.0.0.1', { plain: true }), true);
  assert.equal(policy.addressAllowed('::ffff:127.0.0.1', 'x', { plain: true }), true);
  assert.equal(policy.addressAllowed('127.0.0.2', '127.0.0.2', { plain: false }), false);
  assert.equal(policy.addressAllowed('169.254.1.1', 'x', { plain: false }), true);
  assert.equal(policy.addressAllowed('10.1.2.3', 'hooks.internal.', { plain: true }), true);
  for (const metadata of ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254']) {
    assert.equal(policy.addressAllowed(metadata, 'hooks.internal', { plain: false }), false, metadata);
  }
  // Plain http to a public host that is not listed is refused; https is not.
  assert.equal(policy.addressAllowed('8.8.8.8', 'dns.example', { plain: true }), false);
  assert.equal(policy.addressAllowed('8.8.8.8', 'dns.example', { plain: false }), true);
});

test('a host is refused when any one of its addresses is not allowed, or when it does not resolve', async () => {
  const policy = new UrlPolicy([], fixed({ 'public.test': ['93.184.216.34', '2606:4700::1'], 'mixed.test': ['93.184.216.34', '10.0.0.1'] }));
  assert.equal(await policy.refusal('https://public.test/hook'), undefined);
  const mixed = await policy.refusal('https://mixed.test/hook');
  assert.match(mixed!, /not allowed/);
  assert.doesNotMatch(mixed!, /10\.0/, 'the answer does not reveal internal DNS');
  assert.match((await policy.refusal('https://missing.test/hook'))!, /does not resolve/);
  assert.match((await policy.refusal('http://public.test/hook'))!, /https/);
  assert.match((await policy.refusal('ftp://public.test/'))!, /https/);
  assert.match((await policy.refusal('https://user:pw@public.test/'))!, /credentials/);
});

test('at delivery the connection itself validates what DNS answers, so rebinding after the check reaches nothing', async () => {
  const receiver = new Receiver();
  await receiver.start();
  const port = new URL(receiver.url).port;
  let lookups = 0;
  // Public when the URL is checked, loopback when the delivery connects.
  const rebinding: Resolve = async () => (++lookups === 1 ? ['93.184.216.34'] : ['127.0.0.1']);
  const rebound = new UrlPolicy([], rebinding);
  const rebindingSender = new WebhookSender(rebound, 2_000);
  const literalSender = new WebhookSender(new UrlPolicy([]), 2_000);
  const allowedSender = new WebhookSender(new UrlPolicy(['127.0.0.1'], fixed({ 'receiver.test': ['127.0.0.1'] })), 2_000);
  try {
    assert.equal(await rebound.refusal(`https://rebind.test:${port}/`), undefined);
    const signal = new AbortController().signal;
    const viaName = await rebindingSender.send(`https://rebind.test:${port}/`, {}, '{}', signal);
    assert.equal(viaName.error, 'address not allowed');
    assert.equal(viaName.responseStatus, null);
    const viaLiteral = await literalSender.send(`http://127.0.0.1:${port}/`, {}, '{}', signal);
    assert.equal(viaLiteral.error, 'address not allowed');
    assert.equal(receiver.received.length, 0);

    // The control: the same path with an allow-listed address connects, through the policy's resolver
    // (receiver.test exists nowhere else).
    const allowed = await allowedSender.send(`http://receiver.test:${port}/in`, { 'webhook-id': 'evt_x' }, '{}', signal);
    assert.equal(allowed.succeeded, true, String(allowed.error));
    assert.deepEqual(receiver.received.map((request) => request.path), ['/in']);
  } finally {
    await Promise.all([rebindingSender.close(), literalSender.close(), allowedSender.close()]);
    await receiver.stop();
  }
});

let server: TestServer;
let key: string;

before(async () => {
  server = await startTestServer({ JOB_WORKERS: 'false' });
  key = (await server.newKey()).secret;
});

after(async () => {
  await server?.stop();
});

/** Names /etc/hosts maps to a non-public address (read, never changed), besides localhost. */
function privateNamesInHosts(): string[] {
  const policy = new UrlPolicy([]);
  const names = new Set<string>();
  for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const [address, ...hosts] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || isIP(address) === 0 || policy.addressAllowed(address, address, { plain: false })) continue;
    for (const host of hosts) if (host !== 'localhost' && /^[a-z0-9.-]+$/i.test(host)) names.add(host);
  }
  return [...names].slice(0, 3);
}

test('the API refuses (E1404) URLs that reach loopback, private, link-local or metadata addresses', async () => {
  const urls = [
    'https://127.0.0.1/hook',
    'http://127.0.0.1:8080/hook',
    'https://10.0.0.1/hook',
    'https://192.168.0.10/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://100.100.100.200/',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[64:ff9b::a9fe:a9fe]/hook',
    'https://[fd00:ec2::254]/hook',
    'http://2130706433/',
    'https://2130706433/',
    'http://0x7f000001/',
    'https://0x7f.1/',
    'https://localhost/hook',
    'https://LocalHost./hook',
    'http://8.8.8.8/plain-http-needs-the-allow-list',
    'https://user:secret@93.184.216.34/hook',
    ...privateNamesInHosts().map((name) => `https://${name}/hook`),
  ];
  for (const url of urls) {
    const res = await call(`${server.url}/v1/webhook-endpoints`, { key, body: { url, events: ['job.succeeded'] } });
    assert.equal(res.status, 422, `${url}: ${res.text}`);
    assert.equal(res.body.code, 'E1404', url);
    assert.equal(res.body.errors?.[0]?.path, '/url', url);
  }
  // The control: a public address is accepted (and nothing is sent to it: no event is recorded).
  const accepted = await call(`${server.url}/v1/webhook-endpoints`, { key, body: { url: 'https://93.184.216.34/hook', events: ['job.succeeded'] } });
  assert.equal(accepted.status, 201, accepted.text);
  const moved = await call(`${server.url}/v1/webhook-endpoints/${accepted.body.endpoint.id}`, {
    method: 'PATCH',
    key,
    body: { url: 'https://[::ffff:169.254.169.254]/' },
  });
  assert.equal(moved.status, 422);
  assert.equal(moved.body.code, 'E1404');
});
