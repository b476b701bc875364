// The shedding decision without a clock: the control law on given loop samples, the refusals it
// makes from a share, the in-flight cap; the sampler against a loop blocked for real; the settings.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { BUSY, LoadShedder, nextShedShare, ON_CPU, ROOM, WINDOW_MS, windowLoad, type ShedReason, type WindowLoad } from '../../src/limits/load-shedder.ts';
import { EventLoopSampler, type LoopSample } from '../../src/observability/event-loop-sampler.ts';
import { loadConfig } from '../../src/config.ts';
import { tempDataDir } from '../support/database.ts';

const THRESHOLD_MS = 50;

/** A window with this mean delay, the loop half busy and on a core all that time. */
const late = (delayMs: number): LoopSample => ({ delayMs, utilization: 0.5, onCpu: 0.5 });

/** The shares a run of windows leaves, from none, each window judged against THRESHOLD_MS. */
function sharesAfter(samples: LoopSample[], share = 0): number[] {
  let previous: WindowLoad = 'room';
  return samples.map((sample) => {
    const load = windowLoad(sample, THRESHOLD_MS);
    share = nextShedShare(share, load, previous);
    previous = load;
    return Math.round(share * 1000) / 1000;
  });
}

/** A shedder whose sampler reports the given delays, one per adjust(). */
function shedderWith(delays: number[], settings = { eventLoopDelayMs: THRESHOLD_MS, maxInFlight: 0 }): LoadShedder {
  return new LoadShedder(settings, () => {
    const next = delays.shift();
    if (next === undefined) throw new Error('the test gave no more delays');
    return late(next);
  });
}

function refusals(shedder: LoadShedder, requests: number): (ShedReason | undefined)[] {
  return Array.from({ length: requests }, () => shedder.refusal());
}

test('over the threshold the admitted share halves each window; between half and the threshold it holds', () => {
  assert.deepEqual(sharesAfter([60, 60, 60, 40, 30, 26].map(late)), [0.5, 0.75, 0.875, 0.875, 0.875, 0.875]);
  assert.deepEqual(sharesAfter([late(THRESHOLD_MS)]), [0], 'at the threshold exactly, nothing changes');
});

test('under half the threshold the share falls back by 10 points a window, to none', () => {
  assert.deepEqual(sharesAfter([24, 24, 24, 24].map(late), 0.25), [0.15, 0.05, 0, 0]);
});

test('a loop busy all the time is overloaded however short its delay, and nothing is released until it idles', () => {
  const busy = { delayMs: 1, utilization: BUSY + 0.01, onCpu: BUSY };
  const held = { delayMs: 1, utilization: ROOM + 0.01, onCpu: ROOM };
  const room = { delayMs: 1, utilization: ROOM - 0.01, onCpu: ROOM - 0.02 };
  assert.deepEqual(sharesAfter([busy, held, room]), [0.5, 0.5, 0.4], 'no room yet: held; then released');
});

test('a window busy for want of a core cuts only when the one before it was overloaded too', () => {
  // Busy all the window, on a core for half of it: the host's cores were taken for a moment.
  const starved = { delayMs: 1, utilization: 1, onCpu: ON_CPU - 0.25 };
  const alsoLate = { delayMs: THRESHOLD_MS * 2, utilization: 1, onCpu: 0.5 };
  const working = { delayMs: 1, utilization: 0.6, onCpu: 0.55 };
  assert.equal(windowLoad(starved, THRESHOLD_MS), 'starved');
  assert.equal(windowLoad(alsoLate, THRESHOLD_MS), 'starved', 'late for want of a core is starved too');
  assert.equal(windowLoad({ ...starved, onCpu: ON_CPU }, THRESHOLD_MS), 'overloaded', 'on a core for most of its busy time');
  assert.deepEqual(sharesAfter([starved, working, starved, working]), [0, 0, 0, 0], 'a moment now and then: nothing refused');
  assert.deepEqual(sharesAfter([starved, starved, alsoLate]), [0, 0.5, 0.75], 'a lasting shortage: cut from the second window');
  assert.deepEqual(sharesAfter([late(THRESHOLD_MS * 2), starved]), [0.5, 0.75], 'after an overloaded window, a starved one cuts');
});

test('the shedder counts the time its windows were starved', () => {
  const samples: LoopSample[] = [
    { delayMs: 1, utilization: 1, onCpu: 0.5 },
    late(1),
    { delayMs: 1, utilization: 1, onCpu: 0.5 },
    { delayMs: 1, utilization: 1, onCpu: 0.9 },
  ];
  const shedder = new LoadShedder({ eventLoopDelayMs: THRESHOLD_MS, maxInFlight: 0 }, () => samples.shift()!);
  for (let i = 0; i < 4; i++) shedder.adjust();
  assert.equal(shedder.starvedSeconds, 2 * (WINDOW_MS / 1000), 'two starved windows; the busy one on a core is overloaded');
  assert.equal(shedder.share, 0.5);
});

test('a share is refused evenly: a half is every other request', () => {
  const shedder = shedderWith([100, 100]);
  assert.deepEqual(refusals(shedder, 4), [undefined, undefined, undefined, undefined], 'nothing refused before a window');
  shedder.adjust();
  assert.equal(shedder.share, 0.5);
  const u = undefined;
  assert.deepEqual(refusals(shedder, 6), [u, 'event_loop', u, 'event_loop', u, 'event_loop']);
  shedder.adjust();
  assert.equal(shedder.share, 0.75);
  assert.equal(refusals(shedder, 16).filter(Boolean).length, 12);
});

test('once the lag is gone the shedder admits everything again', () => {
  const shedder = shedderWith([100, 0, 0, 0, 0, 0]);
  shedder.adjust();
  assert.ok(refusals(shedder, 8).some(Boolean));
  for (let i = 0; i < 5; i++) shedder.adjust();
  assert.equal(shedder.share, 0);
  assert.deepEqual(refusals(shedder, 100).filter(Boolean), []);
});

test('the in-flight cap refuses the request that would exceed it, whatever the lag', () => {
  const shedder = shedderWith([], { eventLoopDelayMs: 0, maxInFlight: 2 });
  assert.equal(shedder.refusal(), undefined);
  shedder.inFlight = 2;
  assert.equal(shedder.refusal(), 'in_flight');
  shedder.inFlight = 1;
  assert.equal(shedder.refusal(), undefined);
  assert.equal(shedder.enabled, true);
  assert.equal(shedderWith([], { eventLoopDelayMs: 0, maxInFlight: 0 }).enabled, false);
});

/** The sample of a window in which the loop is blocked for 200 ms by `block`. */
async function sampleBlocked(block: () => void): Promise<LoopSample> {
  const loop = new EventLoopSampler();
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    loop.take();
    block();
    // The overdue tick runs before this timer, which was due after it.
    await new Promise((resolve) => setTimeout(resolve, 1));
    return loop.take();
  } finally {
    loop.stop();
  }
}

test('the sampler reports a loop that computes for 200 ms as late, busy and on a core', async () => {
  const sample = await sampleBlocked(() => {
    const start = performance.now();
    while (performance.now() - start < 200);
  });
  // Lower bounds only: the block alone makes the tick this late and the loop this busy; a loaded
  // machine adds to both, and may take the core for part of the spin.
  assert.ok(sample.delayMs >= 50, `delay ${sample.delayMs} ms`);
  assert.ok(sample.utilization > 0.5, `utilization ${sample.utilization}`);
  assert.ok(sample.onCpu > 0.3, `on a core ${sample.onCpu}`);
});

test('the sampler reports a loop held off the CPU for 200 ms as busy but starved', async () => {
  // Atomics.wait sleeps in the kernel while the loop stays in a callback: as the thread does when
  // the host gives it no core.
  const sample = await sampleBlocked(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200));
  assert.ok(sample.utilization > 0.5, `utilization ${sample.utilization}`);
  assert.ok(sample.onCpu < ON_CPU * sample.utilization, `on a core ${sample.onCpu} of ${sample.utilization} busy`);
  assert.equal(windowLoad(sample, THRESHOLD_MS), 'starved');
});

test('SHED_* come from the environment: on by default, off under test, 0 for off, a bad value named', () => {
  const env = { DATA_DIR: tempDataDir(), NODE_ENV: 'development' };
  try {
    assert.deepEqual(loadConfig(env).shed, { eventLoopDelayMs: 20, maxInFlight: 500 });
    assert.deepEqual(loadConfig({ ...env, NODE_ENV: 'test' }).shed, { eventLoopDelayMs: 0, maxInFlight: 500 });
    assert.deepEqual(loadConfig({ ...env, SHED_EVENT_LOOP_DELAY_MS: '0', SHED_MAX_IN_FLIGHT: '0' }).shed, { eventLoopDelayMs: 0, maxInFlight: 0 });
    assert.throws(() => loadConfig({ ...env, SHED_MAX_IN_FLIGHT: '-1' }), /SHED_MAX_IN_FLIGHT/);
    assert.throws(() => loadConfig({ ...env, SHED_EVENT_LOOP_DELAY_MS: 'soon' }), /SHED_EVENT_LOOP_DELAY_MS/);
  } finally {
    rmSync(env.DATA_DIR, { recursive: true, force: true });
  }
});
