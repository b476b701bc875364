// Background conversions (issue 4 §1): the job, and its input and output bytes in a table of their
// own, so listing jobs never reads a payload and erasure or retention can delete the bytes alone.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { FORMATS } from '../domain/index.ts';
import type { Account } from './entities.ts';
import type { Problem } from '../http/problem.ts';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export const PAYLOAD_KINDS = ['input', 'output'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

// By entity name, not value: entities.ts imports this file for ENTITIES (identity-entities.ts).
const account = () => p.manyToOne('Account' as unknown as typeof Account).deleteRule('cascade');

const now = () => new Date();

export const Job = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  properties: {
    id: p.text().primary(),
    account: account(),
    status: p.enum(JOB_STATUSES),
    fromFormat: p.enum(FORMATS),
    toFormat: p.enum(FORMATS),
    options: p.json<Record<string, unknown>>(),
    progress: p.double().$type<number>().runtimeType('number').default(0),
    /** Times a worker claimed it; a run commits only while this is still its own number. */
    attempts: p.integer().default(0),
    /** Goes up with every change a client can see: the event stream's ids (Last-Event-ID). */
    revision: p.integer().default(0),
    inputBytes: p.bigint('number'),
    /** The problem (RFC 9457) a failed job reports. */
    error: p.json<Problem>().nullable(),
    /** Set when it succeeds; cleared again when retention deletes the output. */
    resultBytes: p.bigint('number').nullable(),
    resultRecords: p.bigint('number').nullable(),
    resultExpiresAt: p.datetime().nullable(),
    /** pg-boss's id for it (a UUID we choose), to cancel it in the queue. */
    queueJobId: p.uuid(),
    /** The request that created it: the request_id of its problem, should it fail. */
    requestId: p.text(),
    createdAt: p.datetime().onCreate(now),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
  },
  // An account's jobs newest first, all or in one state; ids sort by creation time. The retention
  // sweep looks results up by expiry.
  indexes: [{ properties: ['account', 'id'] }, { properties: ['account', 'status', 'id'] }, { properties: ['resultExpiresAt'] }],
});
export type Job = InferEntity<typeof Job>;

/**
 * A job's input or output, as bytes, in chunks numbered from 0 (db/job-payload-store.ts), so no
 * statement ever carries a whole payload. Read and written with bound parameters outside the ORM:
 * the ORM inlines parameters into the SQL text, which for a chunk of bytes would be a second,
 * hex-encoded copy twice its size.
 */
export const JobPayload = defineEntity({
  name: 'JobPayload',
  tableName: 'job_payloads',
  properties: {
    // No foreign key to jobs: an input is stored chunk by chunk while its request is still
    // arriving, before the job row exists (jobs/job-intake.ts). Rows whose job never appeared
    // are deleted by the retention sweep (JobStore.deleteOrphanInputs).
    jobId: p.text().primary(),
    kind: p.enum(PAYLOAD_KINDS).primary(),
    seq: p.integer().primary(),
    // Denormalised so erasure finds every row of an account with one indexed lookup.
    account: account().index(),
    content: p.blob().$type<Buffer>(),
  },
});
export type JobPayload = InferEntity<typeof JobPayload>;

export const JOB_ENTITIES = [Job, JobPayload];
