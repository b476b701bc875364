// Load shedding: past what the instance can serve within its objectives, refusing some requests at
// once (E1502, for a fraction of what serving one costs) keeps the ones it accepts fast, where
// accepting all of them would make every one late and grow memory with the queue. Two signals:
// - the event loop (SHED_EVENT_LOOP_DELAY_MS): CPU saturation, seen before clients see it. A window
//   is overloaded when the loop ran later than the threshold on average, or was busy more than
//   BUSY of the time (observability/event-loop-sampler.ts says why both); it has room when the
//   delay was under half the threshold and the loop idle more than 1 - ROOM of the time. The share
//   of requests refused is adjusted every window, additive-increase/multiplicative-decrease on the
//   share admitted (as TCP does with its window): half as many admitted after an overloaded
//   window, 10 % more after one with room, unchanged in between. The gap between the two bounds and
//   the slow release keep it from flapping.
//   An overloaded window in which the thread ran on a core for less than ON_CPU of its busy time
//   is starved rather than overloaded: the host's cores were taken (by the load generator, the
//   database, a neighbour), which at a few hundred milliseconds is a moment, not the load. A
//   starved window cuts only when the one before it was overloaded or starved too. A loop that has
//   its core and still no idle time is cut at once, so the queue does not build at the onset.
// - requests in flight (SHED_MAX_IN_FLIGHT): work waiting on I/O and the bodies it holds, a hard cap.
// The hot path (refusal) is plain arithmetic on fields: no await, no allocation, no clock.
import { EventLoopSampler, type LoopSample } from '../observability/event-loop-sampler.ts';

export const SHED_REASONS = ['event_loop', 'in_flight'] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

export interface ShedSettings {
  /** Mean event-loop delay over a window above which the loop is overloaded; 0 turns the event-loop signal (delay and utilization) off. */
  eventLoopDelayMs: number;
  /** Requests in flight beyond which the next is refused; 0: off. */
  maxInFlight: number;
}

/** How often the refused share is adjusted. */
export const WINDOW_MS = 250;
/**
 * After each overloaded window, the admitted share is multiplied by this. Halving reaches the share
 * three times the capacity needs in two windows; keeping three quarters (measured beside it in the
 * ramp) took four, and the queue built meanwhile made accepted requests miss their objectives.
 */
const ADMITTED_KEPT = 0.5;
/** After each window with room, the admitted share grows by this. */
const ADMITTED_STEP = 0.1;
/** Busier than this, the loop has no capacity left: queueing theory puts the waits at tens of service times. */
export const BUSY = 0.95;
/** Release only below this, so that admitting more does not at once make the loop busy again. */
export const ROOM = 0.85;

/**
 * An overloaded window in which the thread was on a core for less than this share of its busy time
 * was starved. On this project's 2-core host, at 1 000 req/s of the mix with test suites running
 * beside it, windows busy for want of a core ran on one for 50 to 70 % of it. Saturated by the
 * ramp's 2x and 3x steps, with vegeta and PostgreSQL on the same cores, the loop ran on one for
 * 74 to 88 %: a starved window among those only waits for the next overloaded one.
 */
export const ON_CPU = 0.75;

/** How the loop spent a window, as far as shedding goes. */
export type WindowLoad = 'overloaded' | 'starved' | 'room' | 'steady';

/** What a window's sample says against the delay threshold. */
export function windowLoad(sample: LoopSample, thresholdMs: number): WindowLoad {
  if (sample.delayMs > thresholdMs || sample.utilization > BUSY) {
    return sample.onCpu < ON_CPU * sample.utilization ? 'starved' : 'overloaded';
  }
  if (sample.delayMs < thresholdMs / 2 && sample.utilization < ROOM) return 'room';
  return 'steady';
}

/** The share of requests to refuse after a window of `load`, the one before it `previous`. Pure, so the control law is tested without a clock. */
export function nextShedShare(share: number, load: WindowLoad, previous: WindowLoad): number {
  const cut = load === 'overloaded' || (load === 'starved' && (previous === 'overloaded' || previous === 'starved'));
  if (cut) return 1 - (1 - share) * ADMITTED_KEPT;
  if (load === 'room') {
    // Floating-point steps down from a product of 0.75s leave a residue that would never be 0.
    const next = share - ADMITTED_STEP;
    return next > 1e-9 ? next : 0;
  }
  return share;
}

export class LoadShedder {
  readonly settings: ShedSettings;
  /** Requests admitted and not yet answered, probes included: counted by http/observe.ts, reported by the http_requests_in_flight gauge. */
  inFlight = 0;
  #share = 0;
  // Error diffusion instead of a random draw: a share of 0.5 refuses exactly every other request,
  // spread evenly, and a test can count on it.
  #credit = 0;
  #lastLoad: WindowLoad = 'room';
  #starvedWindows = 0;
  readonly #sample: () => LoopSample;

  constructor(settings: ShedSettings, sample: () => LoopSample) {
    this.settings = settings;
    this.#sample = sample;
  }

  get enabled(): boolean {
    return this.settings.eventLoopDelayMs > 0 || this.settings.maxInFlight > 0;
  }

  /** The share of new requests refused because of the event loop now, 0 to 1. */
  get share(): number {
    return this.#share;
  }

  /** Seconds of the windows so far in which the loop was starved: how long the host's cores were taken from it. */
  get starvedSeconds(): number {
    return (this.#starvedWindows * WINDOW_MS) / 1000;
  }

  /** Why the request arriving now must be refused, or undefined to admit it. */
  refusal(): ShedReason | undefined {
    const { maxInFlight } = this.settings;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) return 'in_flight';
    if (this.#share > 0) {
      this.#credit += this.#share;
      if (this.#credit >= 1) {
        this.#credit -= 1;
        return 'event_loop';
      }
    }
    return undefined;
  }

  /** One window's end: reads the sampler and moves the refused share. */
  adjust(): void {
    const load = windowLoad(this.#sample(), this.settings.eventLoopDelayMs);
    this.#share = nextShedShare(this.#share, load, this.#lastLoad);
    this.#lastLoad = load;
    if (load === 'starved') this.#starvedWindows++;
    if (this.#share === 0) this.#credit = 0;
  }
}

export interface RunningShedder {
  shedder: LoadShedder;
  stop(): void;
}

/** The shedder for `settings`, with its event-loop sampler and window timer when that signal is on. */
export function startLoadShedder(settings: ShedSettings): RunningShedder {
  if (settings.eventLoopDelayMs === 0) return { shedder: new LoadShedder(settings, () => ({ delayMs: 0, utilization: 0, onCpu: 0 })), stop: () => {} };
  const loop = new EventLoopSampler();
  const shedder = new LoadShedder(settings, () => loop.take());
  const window = setInterval(() => shedder.adjust(), WINDOW_MS);
  window.unref();
  return {
    shedder,
    stop: () => {
      clearInterval(window);
      loop.stop();
    },
  };
}
