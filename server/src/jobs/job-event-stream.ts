// A job's progress as Server-Sent Events (HTML Living Standard, "Server-sent events"): a `progress`
// event whenever the job changes and one final `status` event, after which the stream ends. Event
// ids are the job's revision, so a client reconnecting with Last-Event-ID hears only what it missed.
import { PassThrough } from 'node:stream';
import { isFinal, type JobRecord } from '../db/job-store.ts';
import { toJobView } from './job-view.ts';
import type { JobListener } from './job-feed.ts';

export interface StreamLimits {
  /** A comment line this often keeps proxies from closing an idle connection. */
  heartbeatMs: number;
  /** A stream ends after this long even if the job has not; the client reconnects and resumes. */
  lifetimeMs: number;
  /** The reconnection delay the client is told to use. */
  retryMs: number;
}

export const STREAM_LIMITS: StreamLimits = { heartbeatMs: 15_000, lifetimeMs: 5 * 60_000, retryMs: 2_000 };

export interface JobWatcher {
  watch(jobId: string, listener: JobListener): () => void;
}

/** Last-Event-ID as we issue it (a revision number); anything else is ignored. */
export function parseLastEventId(header: string | undefined): number | undefined {
  return header !== undefined && /^\d{1,9}$/.test(header) ? Number(header) : undefined;
}

export function jobEventStream(job: JobRecord, lastEventId: number | undefined, feed: JobWatcher, limits: StreamLimits = STREAM_LIMITS): PassThrough {
  const stream = new PassThrough();
  let seen = lastEventId ?? -1;
  const send: JobListener = (current) => {
    if (stream.writableEnded) return;
    const final = isFinal(current.status);
    // The end is told even to a client that saw it before reconnecting: it is the cue to stop.
    if (!final && current.revision <= seen) return;
    seen = current.revision;
    const data = JSON.stringify(toJobView(current, new Date()));
    stream.write(`id: ${current.revision}\nevent: ${final ? 'status' : 'progress'}\ndata: ${data}\n\n`);
    if (final) stream.end();
  };

  let unwatch = () => {};
  const heartbeat = setInterval(() => stream.writableEnded || stream.write(': keep-alive\n\n'), limits.heartbeatMs);
  const lifetime = setTimeout(() => stream.end(), limits.lifetimeMs);
  const stop = () => {
    clearInterval(heartbeat);
    clearTimeout(lifetime);
    unwatch();
  };
  // `finish` when we end it; `close` when the client goes away first (Koa destroys the body).
  stream.once('finish', stop);
  stream.once('close', stop);

  stream.write(`retry: ${limits.retryMs}\n\n`);
  send(job);
  if (!stream.writableEnded) unwatch = feed.watch(job.id, send);
  return stream;
}
