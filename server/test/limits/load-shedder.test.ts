// The shedding decision without a clock: the control law on given loop samples, the refusals it
// makes from a share, the in-flight cap; the sampler against a loop blocked for real; the settings.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { BUSY, LoadShedder, nextShedShare, ROOM, type ShedReason } from '../../src/limits/load-shedder.ts';
import { EventLoopSampler, type LoopSample } from '../../src/observability/event-loop-sampler.ts';
import { loadConfig } from '../../src/config.ts';
import { tempDataDir } from '../support/database.ts';

const THRESHOLD_MS = 50;

/** A window with this mean delay, the loop half busy. */
const late = (delayMs: number): LoopSample => ({ delayMs, utilization: 0.5 });

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
  const shares: number[] = [];
  let share = 0;
  for (const delay of [60, 60, 60, 40, 30, 26]) shares.push((share = nextShedShare(share, late(delay), THRESHOLD_MS)));
  assert.deepEqual(shares, [0.5, 0.75, 0.875, 0.875, 0.875, 0.875]);
  assert.equal(nextShedShare(0, late(THRESHOLD_MS), THRESHOLD_MS), 0, 'at the threshold exactly, nothing changes');
});

test('under half the threshold the share falls back by 10 points a window, to none', () => {
  let share = 0.25;
  const shares: number[] = [];
  for (let i = 0; i < 4; i++) shares.push((share = nextShedShare(share, late(24), THRESHOLD_MS)));
  assert.deepEqual(shares.map((s) => Math.round(s * 100) / 100), [0.15, 0.05, 0, 0]);
});

test('a loop busy all the time is overloaded however short its delay, and nothing is released until it idles', () => {
  const busy = { delayMs: 1, utilization: BUSY + 0.01 };
  assert.equal(nextShedShare(0, busy, THRESHOLD_MS), 0.5);
  assert.equal(nextShedShare(0.5, { delayMs: 1, utilization: ROOM + 0.01 }, THRESHOLD_MS), 0.5, 'no room yet: held');
  assert.equal(nextShedShare(0.5, { delayMs: 1, utilization: ROOM - 0.01 }, THRESHOLD_MS), 0.4);
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

test('the sampler reports a loop blocked for 200 ms as late and busy', async () => {
  const loop = new EventLoopSampler();
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    loop.take();
    const start = performance.now();
    while (performance.now() - start < 200);
    // The overdue tick runs before this timer, which was due after it.
    await new Promise((resolve) => setTimeout(resolve, 1));
    // Lower bounds only: the block alone makes the tick this late and the loop this busy; a
    // loaded machine adds to both.
    const sample = loop.take();
    assert.ok(sample.delayMs >= 50, `delay ${sample.delayMs} ms`);
    assert.ok(sample.utilization > 0.5, `utilization ${sample.utilization}`);
  } finally {
    loop.stop();
  }
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
