// How open event streams learn that a job changed: polling, one query per interval for every job
// any stream of this process follows, however many streams there are. The worker that changes a
// job may be another process, so an in-process signal would not do; LISTEN/NOTIFY would, but needs
// a connection held per process and a fallback poll for the notifications missed while it
// reconnects. Progress moves in coarse steps, so half a second of delay costs nothing.
import type { JobRecord } from '../db/job-store.ts';
import type { Logger } from '../observability/logger.ts';

export type JobListener = (job: JobRecord) => void;

export interface JobSource {
  findMany(ids: readonly string[]): Promise<JobRecord[]>;
}

// Ids per query: keeps each statement's parameter list bounded.
const IDS_PER_QUERY = 500;

export class JobFeed {
  readonly #source: JobSource;
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #listeners = new Map<string, Set<JobListener>>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(source: JobSource, intervalMs: number, log: Logger) {
    this.#source = source;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  /** Calls `listener` with the job after every poll; returns the function that stops it. */
  watch(jobId: string, listener: JobListener): () => void {
    let set = this.#listeners.get(jobId);
    if (!set) this.#listeners.set(jobId, (set = new Set()));
    set.add(listener);
    this.#timer ??= setInterval(() => void this.#poll(), this.#intervalMs).unref();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(jobId);
      if (this.#listeners.size === 0) this.#stopTimer();
    };
  }

  close(): void {
    this.#listeners.clear();
    this.#stopTimer();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    // A slow database must not pile polls up behind each other.
    if (this.#polling) return;
    this.#polling = true;
    try {
      const ids = [...this.#listeners.keys()];
      for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
        for (const job of await this.#source.findMany(ids.slice(start, start + IDS_PER_QUERY))) {
          for (const listener of this.#listeners.get(job.id) ?? []) listener(job);
        }
      }
    } catch (err) {
      // The next poll tries again; streams stay open meanwhile.
      this.#log.warn({ err, component: 'job-feed' }, 'polling jobs for event streams failed');
    } finally {
      this.#polling = false;
    }
  }
}
