// The workers of this process: conversions (config.jobs.concurrency at a time), the jobs the queue
// gave up on, and the minutely retention sweep (expired outputs, and inputs whose job was never
// created). Started only where JOB_WORKERS is on, so API and worker processes can be scaled apart;
// any number of processes may run them on one database.
import type { Config } from '../config.ts';
import { JobStore } from '../db/job-store.ts';
import type { Database } from '../db/orm.ts';
import type { Logger } from '../observability/logger.ts';
import { ABANDONED_QUEUE, CONVERSION_QUEUE, defineJobQueues, RESULT_SWEEP_QUEUE, type ConversionMessage } from './job-queues.ts';
import { runEveryMinute, type PgBoss } from './queue.ts';
import { abandonConversion, runConversion, type RunDeps } from './run-conversion.ts';
import { ABANDONED_AFTER_MS } from './job-intake.ts';

export interface JobWorkers {
  /** Stops taking jobs; those running get until the queue closes (closeQueue's timeout). */
  stop(): Promise<void>;
}

// How often an idle worker asks for a job. The queue cannot push (LISTEN/NOTIFY is off), so this
// is the longest a new job waits for a free worker.
const POLLING_INTERVAL_S = 1;

/** Starts the workers when `config.jobs.workers` is on; otherwise returns a handle that does nothing. */
export async function startJobWorkers(
  db: Database,
  boss: PgBoss,
  config: Config,
  log: Logger,
  onEnded?: RunDeps['onEnded'],
): Promise<JobWorkers> {
  if (!config.jobs.workers) return { stop: async () => {} };
  const deps: RunDeps = {
    store: new JobStore(db.orm),
    limits: config.conversion,
    retentionMs: config.jobs.resultRetentionS * 1000,
    log: log.child({ component: 'jobs' }),
    ...(onEnded ? { onEnded } : {}),
  };
  await defineJobQueues(boss);
  const polling = { pollingIntervalSeconds: POLLING_INTERVAL_S, batchSize: 1 };
  await boss.work<ConversionMessage>(CONVERSION_QUEUE, { ...polling, localConcurrency: config.jobs.concurrency }, async ([job]) => {
    if (job) await runConversion(job.data.job_id, job.signal, deps);
  });
  await boss.work<ConversionMessage>(ABANDONED_QUEUE, polling, async ([job]) => {
    if (job) await abandonConversion(job.data.job_id, deps);
  });
  await runEveryMinute(boss, RESULT_SWEEP_QUEUE, async () => {
    const now = Date.now();
    const expired = await deps.store.expireResults(new Date(now));
    if (expired > 0) deps.log.info({ expired }, 'job outputs past their retention deleted');
    const abandoned = await deps.store.deleteOrphanInputs(new Date(now - ABANDONED_AFTER_MS));
    if (abandoned > 0) deps.log.info({ chunks: abandoned }, 'inputs of jobs never created deleted');
  });

  return {
    async stop() {
      await Promise.all([CONVERSION_QUEUE, ABANDONED_QUEUE, RESULT_SWEEP_QUEUE].map((name) => boss.offWork(name, { wait: false })));
    },
  };
}
