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
  input: Uint8Array;
}

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
 * Converts in a new thread. `input` is transferred to it, so it must own its memory (not a slice of
 * Node's shared pool: Buffer.allocUnsafeSlow) and is unusable here afterwards. Rejects with a
 * ConversionError for what the client can fix, and with the signal's reason when aborted.
 */
export function convertInThread(task: ThreadTask, signal: AbortSignal): Promise<Converted> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, {
      workerData: task,
      transferList: [task.input.buffer as ArrayBuffer],
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    const abort = () => {
      reject(signal.reason);
      void worker.terminate();
    };
    signal.addEventListener('abort', abort, { once: true });
    const settle = (fn: () => void) => {
      signal.removeEventListener('abort', abort);
      fn();
    };
    worker.once('message', (reply: ThreadReply) => settle(() => (reply.ok ? resolve(converted(reply)) : reject(conversionError(reply.error)))));
    worker.once('error', (error: Error & { code?: string }) => settle(() => reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooBig() : error)));
    // Only reached without a reply or an error: the thread was stopped from outside.
    worker.once('exit', (code) => settle(() => reject(new Error(`the conversion thread exited (${code}) without a result`))));
  });
}

function converted(reply: Extract<ThreadReply, { ok: true }>): Converted {
  return { output: Buffer.from(reply.output.buffer, reply.output.byteOffset, reply.output.byteLength), records: reply.records };
}

function conversionError({ kind, message, line, column }: Extract<ThreadReply, { ok: false }>['error']): ConversionError {
  return new ConversionError(kind, message, line === undefined ? undefined : { line, ...(column === undefined ? {} : { column }) });
}
