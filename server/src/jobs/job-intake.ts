// POST /v1/jobs reads its own body, so a job's input (up to 32 MiB) is never held whole in memory.
// The body's bytes are decoded as they arrive and fed to a JSON reader made for this body
// (job-body-parser.ts); the input's characters are encoded into UTF-8 chunks (input-encoder.ts),
// each stored in a statement of its own as soon as it fills (under the id the job will have), while
// the socket waits. The rest of the body is small and checked against the spec as usual.
//
// The body handed on has `input` replaced by `sha256:<hex>` of the input's bytes: small enough to
// validate and for idempotency.ts to fingerprint, and different whenever the input is. The stored
// chunks belong to the request until createJob turns them into a job (StagedInput.take); a request
// refused, aborted, or answered without creating a job (an idempotent replay) deletes them, and the
// retention sweep deletes what a process that died mid-upload left behind.
import { accountOf } from '../http/request-meta.ts';
import { bodyBytes, hasBody, type BodyReader } from '../http/body.ts';
import { ApiError } from '../http/problem.ts';
import { validateOrThrow } from '../http/validate.ts';
import { CHUNK_BYTES } from '../db/job-payload-store.ts';
import type { JobStore } from '../db/job-store.ts';
import type { Logger } from '../observability/logger.ts';
import spec from '../generated/openapi.json' with { type: 'json' };
import { InputEncoder } from './input-encoder.ts';
import { JobBodyParser } from './job-body-parser.ts';

/**
 * After this, a staged input whose job does not exist is abandoned: an upload lasts at most
 * REQUEST_TIMEOUT_MS, which is at most 10 minutes.
 */
export const ABANDONED_AFTER_MS = 3_600_000;

const INPUT_SCHEMA: Record<string, unknown> = spec.components.schemas.JobCreate.properties.input;
const MAX_INPUT_LENGTH = spec.components.schemas.JobCreate.properties.input.maxLength;
// The schema never sees the input itself, so each of its rules is checked here; a rule the spec
// gains later stops the server at startup until it is checked too.
const CHECKED_RULES = new Set(['type', 'maxLength', 'description']);
const unchecked = Object.keys(INPUT_SCHEMA).filter((rule) => !CHECKED_RULES.has(rule));
if (unchecked.length > 0) throw new Error(`jobs/job-intake.ts does not check ${unchecked.join(', ')} on a job's streamed input`);

/** A job's input, stored in chunks under the id its job will have, and not yet any job's. */
export class StagedInput {
  readonly jobId: string;
  readonly bytes: number;
  readonly #store: JobStore;
  readonly #log: Logger;
  #state: 'staged' | 'taken' | 'discarded' = 'staged';

  constructor(store: JobStore, jobId: string, bytes: number, log: Logger) {
    this.#store = store;
    this.jobId = jobId;
    this.bytes = bytes;
    this.#log = log;
  }

  /** From now on the input is the job's: the request ending does not delete it. */
  take(): void {
    if (this.#state !== 'staged') throw new Error(`the input staged for ${this.jobId} was ${this.#state}`);
    this.#state = 'taken';
  }

  /** Deletes the input unless its job exists. */
  discard(): Promise<void> {
    this.#state = 'discarded';
    return discardInput(this.#store, this.jobId, this.#log);
  }

  discardUnlessTaken(): Promise<void> {
    return this.#state === 'staged' ? this.discard() : Promise.resolve();
  }
}

/** Never rejects: what is not deleted now, the retention sweep deletes later. */
async function discardInput(store: JobStore, jobId: string, log: Logger): Promise<void> {
  try {
    await store.discardInput(jobId);
  } catch (error) {
    log.warn({ err: error, job_id: jobId }, 'staged job input not deleted; the retention sweep will');
  }
}

const stagedInputs = new WeakMap<object, StagedInput>();

/** The input behind a body this reader returned. */
export function stagedInputOf(body: object): StagedInput {
  const input = stagedInputs.get(body);
  if (input === undefined) throw new Error('createJob reached without its body read by jobs/job-intake.ts: check bodyReaders in app.ts');
  return input;
}

export function jobBodyReader(store: JobStore): BodyReader {
  return async (ctx, route) => {
    if (!hasBody(ctx)) return undefined;
    const accountId = accountOf(ctx.state.principal);
    const jobId = store.newJobId(new Date());
    const encoder = new InputEncoder(CHUNK_BYTES);
    const parser = new JobBodyParser(encoder);
    // As readJsonBody decodes: invalid bytes become U+FFFD, a byte order mark is dropped.
    const decoder = new TextDecoder();
    let seq = 0;
    const storeFilled = async () => {
      for (const chunk of encoder.takeSealed()) {
        await store.stageInput(jobId, seq++, accountId, chunk);
        encoder.recycle(chunk);
      }
    };
    try {
      for await (const bytes of bodyBytes(ctx, route)) {
        parser.write(decoder.decode(bytes, { stream: true }));
        // Before the next bytes are read: the socket waits while a chunk is written.
        await storeFilled();
      }
      parser.write(decoder.decode());
      const { value: body, inputStreamed } = parser.end();
      const input = inputStreamed ? encoder.end() : undefined;
      await storeFilled();
      if (input !== undefined) (body as Record<string, unknown>).input = `sha256:${input.sha256}`;
      // Checked here as well as by the router, so a refusal deletes the input before it is answered.
      if (route.validate.body) validateOrThrow(route.validate.body, body, '');
      if (input === undefined) return body;
      if (input.characters > MAX_INPUT_LENGTH) {
        throw new ApiError('E1001', 'The input is longer than a job accepts.', {
          errors: [{ path: '/input', message: `must NOT have more than ${MAX_INPUT_LENGTH} characters` }],
        });
      }
      const staged = new StagedInput(store, jobId, input.bytes, ctx.state.log);
      stagedInputs.set(body as object, staged);
      // Once the response is over, no job will take the input any more. (A client gone already
      // has no 'close' to come: the handler still runs, and what it leaves is the sweep's.)
      ctx.res.once('close', () => void staged.discardUnlessTaken());
      return body;
    } catch (error) {
      if (seq > 0) await discardInput(store, jobId, ctx.state.log);
      throw error;
    }
  };
}
