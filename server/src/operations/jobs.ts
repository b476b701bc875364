// jobs: background conversions of large inputs, their results and their progress as events.
import { pageOf } from './page.ts';
import { accountOf } from '../http/request-meta.ts';
import { checkAcceptable } from '../http/negotiate.ts';
import { parseLastEventId } from '../jobs/job-event-stream.ts';
import { stagedInputOf } from '../jobs/job-intake.ts';
import type { BodyReader } from '../http/body.ts';
import type { Handler } from '../http/handler.ts';
import type { JobService } from '../jobs/job-service.ts';

// How soon a client polling an unfinished job should look again.
const RETRY_AFTER_S = '2';

/** createJob reads its body as a stream, storing the input as it arrives (jobs/job-intake.ts). */
export function jobBodyReaders(jobs: JobService): { createJob: BodyReader } {
  return { createJob: jobs.intake };
}

/**
 * Koa streams a Readable assigned as the body. The generated type is the document's (text, or any
 * JSON value for JSON) because the spec describes what is on the wire, not how it is produced; this
 * is the one place that bridges it.
 */
function streamed(body: NodeJS.ReadableStream): string {
  return body as unknown as string;
}

export function jobHandlers(jobs: JobService): {
  listJobs: Handler<'listJobs'>;
  createJob: Handler<'createJob'>;
  getJob: Handler<'getJob'>;
  cancelJob: Handler<'cancelJob'>;
  getJobResult: Handler<'getJobResult'>;
  streamJobEvents: Handler<'streamJobEvents'>;
} {
  return {
    createJob: async ({ body, principal, requestId }) => {
      const job = await jobs.create(accountOf(principal), body, stagedInputOf(body), requestId);
      return { status: 202, body: job, headers: { Location: `/v1/jobs/${job.id}` } };
    },

    listJobs: async ({ params, principal }) => ({
      status: 200,
      body: await jobs.list(accountOf(principal), { ...pageOf(params.query), status: params.query.status }),
    }),

    getJob: async ({ params, principal }) => {
      const job = await jobs.get(params.path.id, accountOf(principal));
      const running = job.status === 'queued' || job.status === 'running';
      return { status: 200, body: job, ...(running ? { headers: { 'Retry-After': RETRY_AFTER_S } } : {}) };
    },

    cancelJob: async ({ params, principal }) => ({ status: 200, body: await jobs.cancel(params.path.id, accountOf(principal)) }),

    getJobResult: async ({ params, principal, ctx }) => {
      const output = await jobs.output(params.path.id, accountOf(principal));
      // The router let through an Accept that allows any format a job may have; this job has one.
      checkAcceptable(ctx.get('accept'), [output.mediaType]);
      return {
        status: 200,
        body: streamed(output.open()),
        headers: { 'Content-Type': output.mediaType, 'Content-Disposition': `attachment; filename="${output.fileName}"` },
      };
    },

    streamJobEvents: async ({ params, principal, ctx }) => {
      const stream = await jobs.events(params.path.id, accountOf(principal), parseLastEventId(ctx.get('last-event-id') || undefined));
      return {
        status: 200,
        body: streamed(stream),
        // Proxies must neither cache nor buffer a stream that is only useful as it happens. The
        // connection closes with the stream (clients reconnect with a new request anyway), so a
        // server draining for shutdown is not left waiting on it as an idle keep-alive.
        headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no', Connection: 'close' },
      };
    },
  };
}
