// How loaded the event loop is, read once per window by the load shedder, off the request path:
// - delay: how late a timer runs, about as long as a request that has arrived waits before the
//   process gets to it. It rises with a CPU-bound backlog and with long synchronous work.
// - utilization (perf_hooks' event-loop utilization): the share of the window the loop was busy.
//   Near 1 the instance has no capacity left even while the delay stays low, which happens when
//   clients hold a bounded number of connections: then the backlog waits in the clients, and only
//   the loop never going idle shows it.
// - on-CPU share (the main thread's CPU time over the window): busy time counts the moments the
//   thread was ready to run and had no core, so on a host whose cores are shared (a neighbour, the
//   load generator, the database) a loop with capacity to spare can read busy for a window. The
//   CPU time tells such a starved window from one the loop spent working.
//
// The delay comes from a timer of our own rather than perf_hooks.monitorEventLoopDelay: that
// histogram's reset() also forgets its last tick, so the interval after each read is never
// recorded, and a window read four times a second would miss the blocking that starts right after
// each read (checked on Node 24).
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** Fine enough to see a few milliseconds of lag, rare enough to cost nothing (50 calls a second). */
const TICK_MS = 20;

export interface LoopSample {
  /** Mean lateness of the timer ticks in the window, ms. */
  delayMs: number;
  /** Share of the window the loop was busy, 0 to 1. */
  utilization: number;
  /** Share of the window the main thread ran on a core, 0 to 1 (up to the clock's precision). */
  onCpu: number;
}

export class EventLoopSampler {
  readonly #tickMs: number;
  readonly #timer: NodeJS.Timeout;
  #due: number;
  #lateMs = 0;
  #ticks = 0;
  #utilization: EventLoopUtilization = performance.eventLoopUtilization();
  #windowStart = performance.now();
  #cpuMicros = threadCpuMicros();

  constructor(tickMs = TICK_MS) {
    this.#tickMs = tickMs;
    this.#due = performance.now() + tickMs;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lateMs += Math.max(0, now - this.#due);
      this.#ticks++;
      this.#due = now + this.#tickMs;
    }, tickMs);
    // A measurement never keeps the process alive.
    this.#timer.unref();
  }

  /** The window since the previous call. With no tick yet, the delay is how late the next one already is. */
  take(): LoopSample {
    const delayMs = this.#ticks > 0 ? this.#lateMs / this.#ticks : Math.max(0, performance.now() - this.#due);
    this.#lateMs = 0;
    this.#ticks = 0;
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, this.#utilization);
    this.#utilization = now;
    const end = performance.now();
    const cpuMicros = threadCpuMicros();
    const onCpu = end > this.#windowStart ? (cpuMicros - this.#cpuMicros) / 1000 / (end - this.#windowStart) : 0;
    this.#windowStart = end;
    this.#cpuMicros = cpuMicros;
    return { delayMs, utilization, onCpu };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

function threadCpuMicros(): number {
  const { user, system } = process.threadCpuUsage();
  return user + system;
}
