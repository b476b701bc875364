// The jobs resource: the generated methods plus create-and-wait.
import type { Job, JobCreate } from '../generated/models/index.ts';
import { Jobs as GeneratedJobs } from '../generated/resources/jobs.ts';
import { APITimeoutError, APIUserAbortError } from '../internal/errors.ts';
import { pollHint } from '../internal/retry.ts';
import { sleep } from '../internal/sleep.ts';

export interface WaitOptions {
  /** Give up (APITimeoutError) after this long, creation included. Default 10 minutes. */
  deadlineMs?: number;
  /**
   * First wait between polls; it grows ×1.5 up to 5 s. A `retry-after-ms` or `Retry-After` (at most
   * 60 s) on the job's answer sets the next wait instead. Default 500 ms.
   */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /** Sent on the create call; one is generated otherwise. */
  idempotencyKey?: string;
}

const FINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'canceled']);
const MAX_POLL_MS = 5_000;

export class Jobs extends GeneratedJobs {
  /** Creates a job and polls it until it succeeds, fails or is canceled; returns the final job. */
  async createAndWait(params: JobCreate, options: WaitOptions = {}): Promise<Job> {
    const deadline = Date.now() + (options.deadlineMs ?? 600_000);
    const remaining = (): number => {
      const left = deadline - Date.now();
      if (left <= 0) throw new APITimeoutError('The job did not finish before the deadline.');
      return left;
    };
    let { data: job, response } = await this.create(params, { signal: options.signal, idempotencyKey: options.idempotencyKey, timeout: remaining() }).withResponse();
    let interval = options.pollIntervalMs ?? 500;
    while (!FINAL.has(job.status)) {
      // The server's hint says when the job is worth asking about again; the schedule goes on
      // growing underneath, so a hint changes one pause only.
      await this.#pause(pollHint(response.headers) ?? interval, remaining(), options.signal);
      interval = Math.min(interval * 1.5, MAX_POLL_MS);
      ({ data: job, response } = await this.retrieve(job.id, { signal: options.signal, timeout: remaining() }).withResponse());
    }
    return job;
  }

  async #pause(ms: number, left: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(Math.min(ms, left), signal);
    } catch (cause) {
      throw new APIUserAbortError({ cause });
    }
  }
}
