// One run of one job, as the queue hands it out (at least once). Each step starts only while the job
// is still this run's (job-store.ts): a cancel, or the queue handing the job to another run, stops
// it between steps, and the ending is written only if it still is, in one transaction with its
// event. A second delivery of a job that ended finds nothing to claim.
import { ConversionError, type ConversionLimits } from '../domain/index.ts';
import { conversionFailure } from '../http/conversion-failure.ts';
import { ApiError, problemOf, type Problem } from '../http/problem.ts';
import { recordEvent } from '../webhooks/events.ts';
import type { Claim, JobRecord, JobStore, Ending, OnEnd } from '../db/job-store.ts';
import { PayloadGone } from '../db/job-payload-store.ts';
import type { Logger } from '../observability/logger.ts';
import { convertInThread } from './conversion-thread.ts';

// Coarse progress, written at step boundaries only: at most two writes a run, so no throttle is
// needed to keep progress from costing more than the work.
const INPUT_READ = 0.1;
const CONVERTED = 0.9;

export interface RunDeps {
  store: JobStore;
  limits: ConversionLimits;
  retentionMs: number;
  log: Logger;
  /** Told of every run that ended its job (metrics). */
  onEnded?: (status: 'succeeded' | 'failed', seconds: number) => void;
}

export async function runConversion(jobId: string, signal: AbortSignal, { store, limits, retentionMs, log, onEnded }: RunDeps): Promise<void> {
  const claim = await store.claim(jobId, new Date());
  if (!claim) return;
  const started = performance.now();
  let ending: Ending;
  try {
    const task = { from: claim.fromFormat, to: claim.toFormat, options: claim.options, limits };
    const { output, records } = await convertInThread(task, readInput(store, jobId, claim), signal);
    if (!(await store.reportProgress(jobId, claim.attempt, CONVERTED))) return;
    ending = { status: 'succeeded', output, records, expiresAt: new Date(Date.now() + retentionMs) };
  } catch (error) {
    // Aborted: the queue took the job back (canceled, or this process is stopping and it was
    // released for a retry); superseded: the job is no longer this run's. Either way, whatever
    // happens next is not this run's to record.
    if (signal.aborted || error instanceof Superseded) return;
    if (!(error instanceof ConversionError)) throw error;
    // The client's input: retrying cannot help, so the job fails now, as the sync endpoint would.
    const failure = conversionFailure(error, { from: claim.fromFormat, to: claim.toFormat }, '/input');
    ending = { status: 'failed', error: jobProblem(failure, jobId, claim.requestId) };
  }
  const ended = await store.end(jobId, claim.attempt, ending, new Date(), announce);
  if (ended) onEnded?.(ending.status, (performance.now() - started) / 1000);
  const message = ended ? 'job ended' : 'job ended elsewhere; this run wrote nothing';
  log.info({ job_id: jobId, attempt: claim.attempt, status: ending.status, ended }, message);
}

/** The job is no longer this run's (canceled, or taken over): the run stops and writes nothing. */
class Superseded extends Error {
  override name = 'Superseded';
}

/**
 * The job's input, a slice at a time, as the conversion thread asks for it. Progress is written once
 * it is all read; the input missing or short while the job is still this run's is a fault worth a
 * retry (a cancel deletes it, and then the job is no longer this run's).
 */
async function* readInput(store: JobStore, jobId: string, claim: Claim): AsyncGenerator<Buffer> {
  let bytes = 0;
  let fault: unknown;
  try {
    for await (const slice of store.readInput(jobId)) {
      bytes += slice.length;
      yield slice;
    }
    if (bytes !== claim.inputBytes) fault = new Error(`job ${jobId} has ${bytes} bytes of input, not ${claim.inputBytes}`);
  } catch (error) {
    if (!(error instanceof PayloadGone)) throw error;
    fault = error;
  }
  if (!(await store.reportProgress(jobId, claim.attempt, INPUT_READ))) throw new Superseded(`job ${jobId} is no longer this run's`);
  if (fault !== undefined) throw fault;
}

/** A job the queue gave up on (retries exhausted) fails, whichever run last held it. */
export async function abandonConversion(jobId: string, { store, log }: Pick<RunDeps, 'store' | 'log'>): Promise<void> {
  const job = await store.get(jobId);
  if (!job) return;
  const error = jobProblem(new ApiError('E1000', 'The job failed repeatedly on our side and was given up.'), jobId, job.requestId);
  const ended = await store.end(jobId, undefined, { status: 'failed', error }, new Date(), announce);
  if (ended) log.error({ job_id: jobId }, 'job abandoned after its retries');
}

function jobProblem(error: ApiError, jobId: string, requestId: string): Problem {
  return problemOf(error, requestId, `/v1/jobs/${jobId}`);
}

/** The outbox event, written in the transaction that ends the job (webhooks/events.ts). */
const announce: OnEnd = (em, job: JobRecord) =>
  recordEvent(em, {
    accountId: job.accountId,
    type: job.status === 'succeeded' ? 'job.succeeded' : 'job.failed',
    data: {
      job_id: job.id,
      status: job.status,
      ...(job.error ? { error_code: job.error.code } : {}),
      ...(job.resultBytes === null ? {} : { output_bytes: job.resultBytes }),
    },
  });
