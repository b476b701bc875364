// The identity services on a database of their own on the real PostgreSQL, with a clock the test
// moves and an audit recorder the test reads.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import type { AuditEvent, RequestMeta } from '../../src/audit/audit-log.ts';
import { createIdentity, type AuditRecorder, type Identity, type IdentityOptions } from '../../src/auth/identity.ts';
import type { Env } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { ApiError } from '../../src/http/problem.ts';
import type { ErrorCode } from '../../src/generated/errors.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

export const META: RequestMeta = { ip: '203.0.113.7', userAgent: 'identity-test', requestId: 'req_test' };
export const PASSWORD = 'correct horse battery staple';

export class RecordingAudit implements AuditRecorder {
  readonly events: AuditEvent[] = [];

  record(event: AuditEvent): void {
    this.events.push(event);
  }

  actions(accountId?: string | null): string[] {
    return this.events.filter((e) => accountId === undefined || e.accountId === accountId).map((e) => e.action);
  }
}

export class ManualClock {
  #ms: number;

  constructor(start: number = Date.now()) {
    this.#ms = start;
  }

  readonly now = (): Date => new Date(this.#ms);

  advance(seconds: number): void {
    this.#ms += seconds * 1000;
  }
}

export interface IdentityFixture {
  testDb: TestDatabase;
  db: Database;
  identity: Identity;
  audit: RecordingAudit;
  clock: ManualClock;
  /** Pool checkouts so far: one per query outside a transaction. */
  queries(): number;
  /** A second set of services on the same database, as another process would have. */
  otherProcess(options?: IdentityOptions): Identity;
  close(): Promise<void>;
}

export async function startIdentity(env: Env = {}, options: IdentityOptions = {}): Promise<IdentityFixture> {
  const testDb = await createTestDatabase(env);
  const db = await openDatabase(testDb.config);
  await db.migrate();
  const audit = new RecordingAudit();
  const clock = new ManualClock();
  let checkouts = 0;
  const pool = (await db.orm.em.getConnection().getNativeClient()) as EventEmitter;
  pool.on('acquire', () => checkouts++);
  return {
    testDb,
    db,
    identity: createIdentity(db, testDb.config, audit, { now: clock.now, ...options }),
    audit,
    clock,
    queries: () => checkouts,
    otherProcess: (more = {}) => createIdentity(db, testDb.config, audit, { now: clock.now, ...more }),
    async close() {
      await db.close();
      await testDb.drop();
    },
  };
}

let emails = 0;

/** A fresh, unique email address. */
export function newEmail(): string {
  return `user${++emails}.${process.pid}@example.com`;
}

/** Asserts that `action` fails with the catalog code, and returns the error for more checks. */
export async function rejectsWith(action: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode): Promise<ApiError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected ApiError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.detail}`);
  return caught;
}
