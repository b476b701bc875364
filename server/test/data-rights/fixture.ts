// What the data-rights tests share: requests from a chosen client address (the server trusts
// X-Forwarded-For in these tests), polling an export until it is built, and the scan that looks
// for an account's personal data in every column of every table.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../src/db/orm.ts';
import { call, PASSWORD } from '../support/server.ts';

export type Reply = Awaited<ReturnType<typeof call>>;

/** `call` from `ip`: behind a trusted proxy, that is the address the server records. */
export function from(ip: string) {
  return (url: string, init: Parameters<typeof call>[1] = {}) =>
    call(url, { ...init, headers: { 'X-Forwarded-For': ip, 'User-Agent': `data-rights-test ${ip}`, ...init.headers } });
}

export interface SignedUp {
  accountId: string;
  email: string;
  name: string;
  access: string;
  refresh: string;
}

export async function signUpFrom(url: string, ip: string, email: string, name: string): Promise<SignedUp> {
  const res = await from(ip)(`${url}/v1/auth/signup`, { body: { email, password: PASSWORD, name } });
  assert.equal(res.status, 201, res.text);
  return { accountId: res.body.account.id, email, name, access: res.body.tokens.access_token, refresh: res.body.tokens.refresh_token };
}

const EXPORT_TIMEOUT_MS = 30_000;
const WAIT_TIMEOUT_MS = 20_000;

/** Asks until `check` returns something; fails after WAIT_TIMEOUT_MS, naming `what`. */
export async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `${what} within ${WAIT_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

export interface Footprint {
  jobId: string;
  endpointId: string;
  endpointSecret: string;
}

/**
 * A job that succeeded, announced to a webhook endpoint on `receiverUrl` that received it (so
 * there is a delivery attempt), and usage that reached the database: the account now has rows in
 * the job, webhook and usage tables. The job's input and the endpoint carry `marker`.
 */
export async function leaveFootprint(url: string, ip: string, token: string, receiverUrl: string, marker: string): Promise<Footprint> {
  const client = from(ip);
  const endpoint = await client(`${url}/v1/webhook-endpoints`, {
    token,
    body: { url: `${receiverUrl}/hooks/${encodeURIComponent(marker)}`, description: `hooks of ${marker}`, events: ['job.succeeded', 'export.ready'] },
  });
  assert.equal(endpoint.status, 201, endpoint.text);
  const job = await client(`${url}/v1/jobs`, { token, body: { from: 'csv', to: 'json', input: `name\n${marker}\n` } });
  assert.equal(job.status, 202, job.text);
  const endpointId: string = endpoint.body.endpoint.id;
  await until('the job to succeed', async () => {
    const res = await client(`${url}/v1/jobs/${job.body.id}`, { token });
    return res.body.status === 'succeeded' ? true : undefined;
  });
  await until('a delivery attempt', async () => {
    const res = await client(`${url}/v1/webhook-endpoints/${endpointId}/deliveries`, { token });
    return res.body.data?.length > 0 ? true : undefined;
  });
  const day = 86_400_000;
  const range = `from=${new Date(Date.now() - day).toISOString()}&to=${new Date(Date.now() + day).toISOString()}&granularity=day`;
  await until('usage to be written', async () => {
    const res = await client(`${url}/v1/usage?${range}`, { token });
    return res.body.data?.length > 0 ? true : undefined;
  });
  return { jobId: job.body.id, endpointId, endpointSecret: endpoint.body.secret };
}

/** GETs the export until it is no longer pending; returns the first and the last reply. */
export async function awaitExport(url: string, ip: string, token: string, id: string): Promise<{ first: Reply; last: Reply }> {
  const get = () => from(ip)(`${url}/v1/me/exports/${id}`, { token });
  const first = await get();
  let last = first;
  const deadline = Date.now() + EXPORT_TIMEOUT_MS;
  while (last.status === 202 && last.body.status !== 'failed') {
    assert.ok(Date.now() < deadline, `export ${id} not built within ${EXPORT_TIMEOUT_MS} ms`);
    await sleep(200);
    last = await get();
  }
  return { first, last };
}

export interface Finding {
  table: string;
  column: string;
  needle: string;
}

/** Columns allowed to keep a needle, as `schema.table.column` → the needles it may keep. */
export type Allowed = Record<string, readonly string[]>;

export const SCANNED_SCHEMAS = ['public', 'pgboss'];

/**
 * Every column of every table in SCANNED_SCHEMAS, read as text (bytes too), searched for each
 * needle (case-insensitive). Tables come from information_schema, never from a list, so a table added
 * later is scanned too.
 */
export async function findPersonalData(db: Database, needles: readonly string[], allowed: Allowed = {}): Promise<Finding[]> {
  const connection = db.orm.em.getConnection();
  const columns = await connection.execute<{ table_schema: string; table_name: string; column_name: string; data_type: string }[]>(
    `select c.table_schema, c.table_name, c.column_name, c.data_type
     from information_schema.columns c
     join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema in (${SCANNED_SCHEMAS.map(() => '?').join(', ')}) and t.table_type = 'BASE TABLE'
     order by 1, 2, 3`,
    SCANNED_SCHEMAS,
  );
  assert.ok(columns.length > 50, 'the scan must see the schema');
  const findings: Finding[] = [];
  for (const { table_schema: schema, table_name: table, column_name: column, data_type: type } of columns) {
    // Bytes as text with their printable ASCII kept, so a stored document is searched too.
    const asText = type === 'bytea' ? `encode(x."${column}", 'escape')` : `x."${column}"::text`;
    const hits = await connection.execute<{ needle: string }[]>(
      `select distinct n.needle from "${schema}"."${table}" as x, jsonb_array_elements_text(?::jsonb) as n(needle)
       where strpos(lower(${asText}), lower(n.needle)) > 0`,
      [JSON.stringify(needles)],
    );
    const name = `${schema}.${table}.${column}`;
    for (const { needle } of hits) {
      if (!allowed[name]?.includes(needle)) findings.push({ table: `${schema}.${table}`, column, needle });
    }
  }
  return findings;
}

/** The `sid` claim of an access token: the session, which the database knows by that id. */
export function sessionOf(accessToken: string): string {
  const payload = accessToken.split('.')[1];
  assert.ok(payload !== undefined);
  return JSON.parse(Buffer.from(payload, 'base64url').toString()).sid;
}
