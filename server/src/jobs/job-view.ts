// A job as the API shows it (the spec's Job schema, from the generated types).
import { mediaTypeOf } from '../domain/index.ts';
import type { JobRecord } from '../db/job-store.ts';
import type { components } from '../generated/api-types.ts';

export type JobView = components['schemas']['Job'];

export function toJobView(job: JobRecord, now: Date): JobView {
  return {
    id: job.id,
    status: job.status,
    from: job.fromFormat,
    to: job.toFormat,
    options: job.options,
    progress: job.progress,
    attempts: job.attempts,
    input_bytes: job.inputBytes,
    created_at: job.createdAt.toISOString(),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    error: job.error,
    result: hasResult(job, now)
      ? { media_type: mediaTypeOf(job.toFormat), bytes: job.resultBytes, records: job.resultRecords, expires_at: job.resultExpiresAt.toISOString() }
      : null,
  };
}

/**
 * The output can be downloaded. A result past its expiry counts as gone even before the retention
 * sweep has deleted it, so the answer does not depend on when the sweep last ran.
 */
export function hasResult(job: JobRecord, now: Date): job is JobRecord & { resultBytes: number; resultExpiresAt: Date } {
  return job.status === 'succeeded' && job.resultBytes !== null && job.resultExpiresAt !== null && job.resultExpiresAt > now;
}

function iso(at: Date | null): string | null {
  return at === null ? null : at.toISOString();
}
