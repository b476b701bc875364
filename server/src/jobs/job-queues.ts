// The queues conversion jobs use, and their retry policy. A queue message is only the job id: the
// job's state and bytes live in our tables (db/job-store.ts).
import type { PgBoss } from './queue.ts';

/** Conversions to run. */
export const CONVERSION_QUEUE = 'conversion';
/** Conversions the queue gave up on (retries exhausted): their jobs are marked failed. */
export const ABANDONED_QUEUE = 'conversion-abandoned';
/** A tick, once a minute, that deletes outputs past their retention and abandoned inputs. */
export const RESULT_SWEEP_QUEUE = 'conversion-result-sweep';

export interface ConversionMessage {
  job_id: string;
}

const CONVERSION_POLICY = {
  // Transient failures (the database, a thread that died) are retried after 1-2 s, 2-4 s, 4-8 s...
  retryLimit: 5,
  retryDelay: 1,
  retryBackoff: true,
  retryDelayMax: 60,
  // A run whose worker stops beating for 10 s (pg-boss's minimum) is presumed dead and handed out
  // again, 10-12 s after a SIGKILL with the 1 s supervise interval (queue.ts). A short
  // expireInSeconds would notice as fast but also re-run healthy long conversions (the YAML case
  // in conversion-thread.ts takes 15 s), so expiry only bounds a run that hangs while beating.
  heartbeatSeconds: 10,
  expireInSeconds: 15 * 60,
  // Queue rows hold nothing but an id; our jobs table is the record.
  deleteAfterSeconds: 86_400,
  deadLetter: ABANDONED_QUEUE,
};

const defined = new WeakMap<PgBoss, Promise<void>>();

/** Creates the queues (idempotent; once per pg-boss instance). */
export function defineJobQueues(boss: PgBoss): Promise<void> {
  let done = defined.get(boss);
  if (!done) {
    done = (async () => {
      // The dead letter queue first: the conversion queue refers to it.
      await boss.createQueue(ABANDONED_QUEUE, { deleteAfterSeconds: 86_400 });
      await boss.createQueue(CONVERSION_QUEUE, CONVERSION_POLICY);
    })();
    // A failed attempt is not remembered: the next caller tries again.
    done.catch(() => defined.delete(boss));
    defined.set(boss, done);
  }
  return done;
}
