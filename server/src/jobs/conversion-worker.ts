// The body of a conversion thread (conversion-thread.ts): converts the one input it was given and
// posts the output back as bytes, transferred rather than copied.
import { parentPort, workerData } from 'node:worker_threads';
import { convert, ConversionError } from '../domain/index.ts';
import type { ThreadReply, ThreadTask } from './conversion-thread.ts';

const task = workerData as ThreadTask;
let reply: ThreadReply;
let transfer: ArrayBuffer[] = [];
try {
  const input = Buffer.from(task.input.buffer, task.input.byteOffset, task.input.byteLength).toString('utf8');
  const { output, stats } = convert(task.from, task.to, input, task.options, task.limits);
  // A buffer of its own (never a slice of Node's shared pool), so it can be transferred.
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(output));
  bytes.write(output, 'utf8');
  reply = { ok: true, output: bytes, records: stats.records };
  transfer = [bytes.buffer as ArrayBuffer];
} catch (error) {
  if (!(error instanceof ConversionError)) throw error;
  reply = { ok: false, error: { kind: error.kind, message: error.message, line: error.line, column: error.column } };
}
parentPort!.postMessage(reply, transfer);
