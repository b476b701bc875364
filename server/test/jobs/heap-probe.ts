// Loaded into a server process (NODE_OPTIONS="--expose-gc --import <this file>") to measure what a
// request keeps alive. The first SIGUSR2 takes a baseline and starts sampling every SAMPLE_MS; the
// next stops and writes `heap-probe {"baseline":…,"peak":…}` to stderr. Each sample follows a full
// collection, so it counts live memory only (heap and external, which includes ArrayBuffers), not
// garbage waiting for the collector: what the code holds, not when V8 chose to clean up.
const SAMPLE_MS = 100;

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('heap-probe.ts needs --expose-gc');

function live(): number {
  collect!();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

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
