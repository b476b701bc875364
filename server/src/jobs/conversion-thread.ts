// A job's conversion runs in a worker thread of its own. convert() is synchronous, and a 32 MiB
// input takes seconds (measured here: CSV to JSON 1.5 s, to XML 5 s, to YAML 15 s): on the main
// thread it would stall every request of this process and the queue's heartbeats with it. A
// thread also has its own heap limit, and can be stopped at once when the job is canceled.
import { Worker } from 'node:worker_threads';
import { ConversionError, type ConversionErrorKind, type ConversionLimits, type ConversionOptions, type Format } from '../domain/index.ts';

export interface ThreadTask {
  from: Format;
  to: Format;
  options: ConversionOptions;
  limits: ConversionLimits;
}

/** What the thread posts to ask for the next chunk of the input. */
export const MORE = 'more';

/** A chunk of the input, or null once it is all sent. */
export type InputChunk = Uint8Array | null;

export type ThreadReply =
  | { ok: true; output: Uint8Array; records: number | null }
  | { ok: false; error: { kind: ConversionErrorKind; message: string; line: number | undefined; column: number | undefined } };

export interface Converted {
  output: Buffer;
  records: number | null;
}

// Parsed documents take many times their text's size (the 32 MiB CSV to XML above peaked near
// 2 GiB); past this the thread stops and the job fails as over a conversion limit.
const THREAD_HEAP_MB = 4096;

const tooBig = () => new ConversionError('limit', 'The conversion needs more memory than a job may use.');

const WORKER = new URL('./conversion-worker.ts', import.meta.url);

/**
 * Converts `input` in a new thread, sending it a chunk at a time as the thread asks (never more
 * than one ahead, so a slow thread does not make the input pile up here). Each chunk is
 * transferred, not copied. Rejects with a ConversionError for what the client can fix, with what
 * reading `input` threw, and with the signal's reason when aborted.
 */
export function convertInThread(task: ThreadTask, input: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<Converted> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: task, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } });
    const chunks = input[Symbol.asyncIterator]();
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      fn();
      // Stops a thread still waiting for input, and the reading of input nobody waits for.
      void worker.terminate();
      void chunks.return?.().catch(() => {});
    };
    const abort = () => settle(() => reject(signal.reason));
    signal.addEventListener('abort', abort, { once: true });
    const sendNext = async () => {
      const next = await chunks.next();
      if (settled) return;
      if (next.done) return worker.postMessage(null satisfies InputChunk);
      const chunk = owned(next.value);
      worker.postMessage(chunk satisfies InputChunk, [chunk.buffer as ArrayBuffer]);
    };
    worker.on('message', (message: typeof MORE | ThreadReply) => {
      if (message === MORE) sendNext().catch((error: unknown) => settle(() => reject(error)));
      else settle(() => (message.ok ? resolve(converted(message)) : reject(conversionError(message.error))));
    });
    worker.once('error', (error: Error & { code?: string }) => settle(() => reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooBig() : error)));
    // Only reached without a reply or an error: the thread was stopped from outside.
    worker.once('exit', (code) => settle(() => reject(new Error(`the conversion thread exited (${code}) without a result`))));
  });
}

/** The chunk over a buffer of its own (copied if it is a slice of a larger one), so it can be transferred. */
function owned(chunk: Uint8Array): Uint8Array {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer ? chunk : new Uint8Array(chunk);
}

function converted(reply: Extract<ThreadReply, { ok: true }>): Converted {
  return { output: Buffer.from(reply.output.buffer, reply.output.byteOffset, reply.output.byteLength), records: reply.records };
}

function conversionError({ kind, message, line, column }: Extract<ThreadReply, { ok: false }>['error']): ConversionError {
  return new ConversionError(kind, message, line === undefined ? undefined : { line, ...(column === undefined ? {} : { column }) });
}
