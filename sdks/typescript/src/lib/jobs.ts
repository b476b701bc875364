// The jobs resource: the generated methods plus create-and-wait.
import type { Job, JobCreate } from '../generated/models/index.ts';
import { Jobs as GeneratedJobs } from '../generated/resources/jobs.ts';
import { APITimeoutError, APIUserAbortError } from '../internal/errors.ts';
import { retryDelay } from '../internal/retry.ts';
import { sleep } from '../internal/sleep.ts';

export interface WaitOptions {
  /** Give up (APITimeoutError) after this long, creation included. Default 10 minutes. */
  deadlineMs?: number;
  /** First wait between polls; it grows ×1.5 up to 5 s. A Retry-After on the job wins. Default 500 ms. */
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
    const call = { signal: options.signal, idempotencyKey: options.idempotencyKey };
    let job: Job = await this.create(params, { ...call, timeout: remaining() });
    let interval = options.pollIntervalMs ?? 500;
    while (!FINAL.has(job.status)) {
      await this.#pause(interval, remaining(), options.signal);
      const { data, response } = await this.retrieve(job.id, { signal: options.signal, timeout: remaining() }).withResponse();
      job = data;
      // The server's Retry-After, when it sends one, says when the job is worth asking about again.
      interval = response.headers.has('retry-after') ? retryDelay(0, response.status, response.headers) : Math.min(interval * 1.5, MAX_POLL_MS);
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
