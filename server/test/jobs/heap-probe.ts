// Loaded into a server process (NODE_OPTIONS="--expose-gc --import <this file>") to measure what a
// request, or a conversion thread, keeps alive. Each sample follows a full collection, so it counts
// live memory only (heap and external, which includes ArrayBuffers and the long strings Node makes
// external), not garbage waiting for the collector: what the code holds, not when V8 chose to clean up.
//
// In the main thread, the first SIGUSR2 takes a baseline and starts sampling every SAMPLE_MS; the
// next stops and writes `heap-probe {"baseline":…,"peak":…}` to stderr.
//
// In a worker thread (a conversion, conversion-thread.ts), a sample is taken as each message from
// the main thread arrives, before the thread's own code sees it (this file's listener is the
// first). On the message that ends the input (null) they are written to stderr as
// `heap-probe-thread {"samples":[…]}`, one per message.
import { writeSync } from 'node:fs';
import { isMainThread, parentPort } from 'node:worker_threads';

const SAMPLE_MS = 100;

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('heap-probe.ts needs --expose-gc');

function live(): number {
  collect!();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

if (isMainThread) {
  let timer: NodeJS.Timeout | undefined;
  let baseline = 0;
  let peak = 0;

  process.on('SIGUSR2', () => {
    if (timer === undefined) {
      baseline = live();
      peak = baseline;
      timer = setInterval(() => (peak = Math.max(peak, live())), SAMPLE_MS);
      return;
    }
    clearInterval(timer);
    timer = undefined;
    peak = Math.max(peak, live());
    process.stderr.write(`heap-probe ${JSON.stringify({ baseline, peak })}\n`);
  });
} else {
  const samples: number[] = [];
  parentPort!.on('message', (message: unknown) => {
    // A collection more: the memory of an ArrayBuffer a collection finds dead (the chunk before)
    // is released only by the next one. Too slow for the main thread's sampling while it serves.
    collect!();
    samples.push(live());
    // Written at once: a thread's process.stderr is relayed by the main thread, later.
    if (message === null) writeSync(2, `heap-probe-thread ${JSON.stringify({ samples })}\n`);
  });
}
