// Background conversions as the account sees them (the jobs tag of the spec): create, list, read,
// cancel, download the output, follow the progress. The work itself is done by job-workers.ts,
// in this process or another one.
import { randomUUID } from 'node:crypto';
import { Readable, type PassThrough } from 'node:stream';
import { describeFormats, mediaTypeOf, type ConversionOptions, type Format } from '../domain/index.ts';
import { DEFAULT_OPTIONS } from '../domain/options.ts';
import { JobStore, type JobRecord } from '../db/job-store.ts';
import { page, type Page, type PageRequest } from '../db/pagination.ts';
import { JOB_STATUSES, type JobStatus } from '../db/job-entities.ts';
import type { Database } from '../db/orm.ts';
import { ApiError } from '../http/problem.ts';
import type { Logger } from '../observability/logger.ts';
import { CONVERSION_QUEUE, defineJobQueues, type ConversionMessage } from './job-queues.ts';
import { JobFeed } from './job-feed.ts';
import { jobEventStream, STREAM_LIMITS, type StreamLimits } from './job-event-stream.ts';
import { hasResult, toJobView, type JobView } from './job-view.ts';
import { queueDb, type PgBoss } from './queue.ts';
import { jobBodyReader, type StagedInput } from './job-intake.ts';
import type { BodyReader } from '../http/body.ts';

/** What a job runs, besides its input. */
export interface NewJobRequest {
  from: Format;
  to: Format;
  options?: ConversionOptions | undefined;
}

export interface JobOutput {
  mediaType: string;
  fileName: string;
  bytes: number;
  /** Starts reading the stored output: only once the answer is decided. */
  open(): Readable;
}

export interface JobServiceOptions {
  /** How often open event streams look for changes. */
  feedIntervalMs?: number;
  streamLimits?: StreamLimits;
}

const EXTENSION = Object.fromEntries(describeFormats().map((f) => [f.id, f.extensions[0] ?? f.id])) as Record<Format, string>;

export class JobService {
  readonly #store: JobStore;
  readonly #boss: PgBoss;
  readonly #feed: JobFeed;
  readonly #streamLimits: StreamLimits;
  readonly #streams = new Set<PassThrough>();
  /** Reads createJob's body, storing the input as it arrives. */
  readonly intake: BodyReader;

  /** Every state with its count, zeros included (metrics). */
  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts = await this.#store.countByStatus();
    return Object.fromEntries(JOB_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<JobStatus, number>;
  }

  constructor(db: Database, boss: PgBoss, log: Logger, options: JobServiceOptions = {}) {
    this.#store = new JobStore(db.orm);
    this.intake = jobBodyReader(this.#store);
    this.#boss = boss;
    this.#feed = new JobFeed(this.#store, options.feedIntervalMs ?? 500, log);
    this.#streamLimits = options.streamLimits ?? STREAM_LIMITS;
  }

  /**
   * Creates the job over its staged input (jobs/job-intake.ts stored it while the request arrived)
   * and queues it, in one transaction. Should that fail, the input is deleted.
   */
  async create(accountId: string, request: NewJobRequest, input: StagedInput, requestId: string): Promise<JobView> {
    input.take();
    let job: JobRecord;
    try {
      await defineJobQueues(this.#boss);
      const queueJobId = randomUUID();
      job = await this.#store.create(
        // Stored complete, so the job shows the options it actually runs with.
        {
          id: input.jobId,
          accountId,
          fromFormat: request.from,
          toFormat: request.to,
          options: { ...DEFAULT_OPTIONS, ...request.options },
          queueJobId,
          requestId,
          inputBytes: input.bytes,
        },
        new Date(),
        (em, jobId) => this.#boss.send(CONVERSION_QUEUE, { job_id: jobId } satisfies ConversionMessage, { id: queueJobId, db: queueDb(em) }),
      );
    } catch (error) {
      await input.discard();
      throw error;
    }
    return toJobView(job, new Date());
  }

  async list(accountId: string, request: PageRequest & { status?: JobStatus | undefined }): Promise<Page<JobView>> {
    const now = new Date();
    return page(await this.#store.list(accountId, request), request.limit, (job) => toJobView(job, now));
  }

  async get(id: string, accountId: string): Promise<JobView> {
    return toJobView(await this.#owned(id, accountId), new Date());
  }

  /** Cancels a queued or running job (a running one stops before it writes a result); E1401 once it ended. */
  async cancel(id: string, accountId: string): Promise<JobView> {
    const outcome = await this.#store.cancel(id, accountId, new Date(), (em, queueJobId) =>
      // Within the same transaction: a queued message is never delivered, and a running worker's
      // claim disappears, which its next heartbeat notices (job-workers.ts stops the thread then).
      this.#boss.cancel(CONVERSION_QUEUE, queueJobId, { db: queueDb(em) }),
    );
    if (!outcome) throw notFound(id);
    if (!outcome.canceled) throw new ApiError('E1401', `Job ${id} already ended: ${outcome.job.status}.`);
    return toJobView(outcome.job, new Date());
  }

  /** The output, streamed from the database in slices; E1402 before it exists, E1403 once it expired. */
  async output(id: string, accountId: string): Promise<JobOutput> {
    const job = await this.#owned(id, accountId);
    if (job.status !== 'succeeded') throw new ApiError('E1402', `Job ${id} is ${job.status}; only a succeeded job has an output.`);
    if (!hasResult(job, new Date())) throw new ApiError('E1403', `The output of job ${id} was deleted after the retention period.`);
    return {
      mediaType: mediaTypeOf(job.toFormat),
      fileName: `${job.id}.${EXTENSION[job.toFormat]}`,
      bytes: job.resultBytes,
      // Deleted by the retention sweep mid-download: the connection is cut rather than the file truncated.
      open: () => Readable.from(this.#store.readOutput(job.id), { objectMode: false }),
    };
  }

  /** The job's Server-Sent Events, resuming after `lastEventId`. */
  async events(id: string, accountId: string, lastEventId: number | undefined): Promise<PassThrough> {
    const job = await this.#owned(id, accountId);
    const stream = jobEventStream(job, lastEventId, this.#feed, this.#streamLimits);
    this.#streams.add(stream);
    stream.once('close', () => this.#streams.delete(stream));
    return stream;
  }

  /** Ends every open event stream (clients reconnect to another instance): call first on shutdown. */
  closeStreams(): void {
    for (const stream of this.#streams) stream.end();
    this.#feed.close();
  }

  async #owned(id: string, accountId: string): Promise<JobRecord> {
    return (await this.#store.find(id, accountId)) ?? Promise.reject(notFound(id));
  }
}

/** Another account's job answers exactly like one that does not exist (OWASP API1). */
function notFound(id: string): ApiError {
  return new ApiError('E1005', `No job ${id}.`);
}
