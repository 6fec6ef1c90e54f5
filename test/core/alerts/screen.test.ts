import { describe, expect, it } from 'vitest';
import { counterFromIncrements, replayAlerts, type AlertPair } from '../../../app/core/alerts/replay.js';
import { mayFire, type AlertBlocks } from '../../../app/core/alerts/screen.js';
import { burnWindows } from '../../../app/export/burnrate.js';
import { parseDuration } from '../../../app/core/time.js';

const STEP = 300;
const BLOCK = 12;
const PERIOD = 28 * 86_400;
const PAIRS: AlertPair[] = burnWindows(PERIOD).map((p) => ({ severity: p.severity, longSeconds: parseDuration(p.long), shortSeconds: parseDuration(p.short), factor: p.factor }));
const LONGEST = Math.max(...PAIRS.map((p) => p.longSeconds));
const FROM_STEP = LONGEST / STEP;

/** The blocks a source would return for these per-step events (what PromQL's sum/min/count_over_time give). */
function blocksOf(bad: Float64Array, total: Float64Array): AlertBlocks {
  const nb = bad.length / BLOCK;
  const out: AlertBlocks = { t0: 0, step: STEP, blockSteps: BLOCK, bad: new Float64Array(nb), total: new Float64Array(nb), totalMin: new Float64Array(nb).fill(Infinity), clean: new Uint8Array(nb).fill(1) };
  for (let k = 0; k < bad.length; k++) {
    const m = Math.floor(k / BLOCK);
    const b = bad[k]!;
    const v = total[k]!;
    if (Number.isNaN(b) || Number.isNaN(v) || b < 0 || v < 0) out.clean[m] = 0;
    if (!Number.isNaN(b)) out.bad[m] += b;
    if (!Number.isNaN(v)) {
      out.total[m] += v;
      out.totalMin[m] = Math.min(out.totalMin[m]!, v);
    }
  }
  return out;
}

function fires(bad: Float64Array, total: Float64Array, budget: number): number {
  const n = bad.length;
  const input = { bad: { plus: [counterFromIncrements(0, STEP, bad)], minus: [] }, total: [counterFromIncrements(0, STEP, total)] };
  return replayAlerts(input, PAIRS, budget, FROM_STEP * STEP, n * STEP, STEP).reduce((s, f) => s + f.firing.length, 0);
}

/** A seeded generator (LCG), so a failure reproduces. */
function random(seed: number) {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Eight days of 5-minute steps: a daily traffic cycle, and errors that are steady, bursty or drifting. */
function fleetSeries(rand: () => number, kind: number) {
  const n = 8 * 288;
  const total = new Float64Array(n);
  const bad = new Float64Array(n);
  const base = 50 + 5000 * rand();
  const burstAt = Math.floor(rand() * n);
  const burstLen = 1 + Math.floor(rand() * 200);
  for (let k = 0; k < n; k++) {
    const v = base * (1 + 0.6 * Math.sin((2 * Math.PI * k) / 288)) * (0.8 + 0.4 * rand());
    total[k] = v;
    let share = 0.001 * rand();
    if (kind === 1 && k >= burstAt && k < burstAt + burstLen) share = 0.2 * rand();
    if (kind === 2) share *= 1 + (3 * k) / n;
    bad[k] = v * share;
  }
  return { bad, total };
}

describe('the alert replay screen never drops an SLO the full replay fires on', () => {
  it('random series scaled to sit just under and just over the limits: every "cannot fire" is right', () => {
    const rand = random(2026);
    let silent = 0;
    let fired = 0;
    let screenedOut = 0;
    for (let trial = 0; trial < 24; trial++) {
      const { bad, total } = fleetSeries(rand, trial % 3);
      // Scale the errors so the worst window sits around each limit: a geometric sweep across it.
      for (const scale of [0.05, 0.2, 0.5, 0.9, 0.99, 1, 1.01, 1.1, 2, 10]) {
        const scaled = bad.map((x) => x * scale);
        const budget = 0.001;
        const n = fires(scaled, total, budget);
        const may = mayFire(blocksOf(scaled, total), PAIRS, budget, FROM_STEP, bad.length);
        if (n > 0) {
          fired++;
          expect(may, `trial ${trial} scale ${scale}: the replay fires ${n} times but the screen said it cannot`).toBe(true);
        } else silent++;
        if (!may) screenedOut++;
      }
    }
    // Not vacuous: both outcomes occur, and the screen spares most of the silent ones.
    expect(fired).toBeGreaterThan(20);
    expect(silent).toBeGreaterThan(20);
    expect(screenedOut).toBeGreaterThan(silent / 3);
  });

  it('an SLO whose 3-day ratio sits a hair under the ticket limit at a window end inside a block is screened out only when it cannot fire', () => {
    // Flat traffic, errors flat at exactly r × budget: every window's ratio is r × budget.
    const n = 8 * 288;
    const total = new Float64Array(n).fill(1000);
    const limitFactor = Math.min(...PAIRS.map((p) => p.factor));
    for (const r of [0.5 * limitFactor, 0.999 * limitFactor, 1.001 * limitFactor]) {
      const bad = new Float64Array(n).fill(1000 * 0.001 * r);
      const fired = fires(bad, total, 0.001);
      const may = mayFire(blocksOf(bad, total), PAIRS, 0.001, FROM_STEP, n);
      if (fired > 0) expect(may).toBe(true);
      if (r < limitFactor) expect(fired).toBe(0);
      if (r > limitFactor) expect(fired).toBeGreaterThan(0);
      // Flat traffic makes the bound tight within (q + 1) / (q − 1 + 1) of the 3-day window's 72 hours.
      if (r === 0.5 * limitFactor) expect(may).toBe(false);
    }
  });

  it('a one-step spike inside a block that no whole block shows is still caught', () => {
    // The spike sits at steps that straddle two hours: the page's 1h window ending mid-block sees all of it.
    const n = 8 * 288;
    const total = new Float64Array(n).fill(1000);
    const bad = new Float64Array(n).fill(0);
    const at = 5 * 288 + 6;
    for (let k = at; k < at + 12; k++) bad[k] = 1000;
    expect(fires(bad, total, 0.001)).toBeGreaterThan(0);
    expect(mayFire(blocksOf(bad, total), PAIRS, 0.001, FROM_STEP, n)).toBe(true);
  });

  it('unclean data (a missing step, a negative latency step, a grid the blocks do not tile) keeps the SLO', () => {
    const n = 8 * 288;
    const total = new Float64Array(n).fill(1000);
    const bad = new Float64Array(n).fill(0);
    expect(mayFire(blocksOf(bad, total), PAIRS, 0.001, FROM_STEP, n)).toBe(false);
    const gap = total.slice();
    gap[100] = Number.NaN;
    expect(mayFire(blocksOf(bad, gap), PAIRS, 0.001, FROM_STEP, n)).toBe(true);
    const negative = bad.slice();
    negative[2000] = -1e-9;
    expect(mayFire(blocksOf(negative, total), PAIRS, 0.001, FROM_STEP, n)).toBe(true);
    expect(mayFire(blocksOf(bad, total), PAIRS, 0.001, FROM_STEP, n - 1)).toBe(true);
    expect(mayFire({ ...blocksOf(bad, total), step: 420 }, PAIRS, 0.001, FROM_STEP, n)).toBe(true);
    // No traffic at all in some hour: no bound there (the replay's 0/0 never fires, but the screen does not guess).
    const idle = total.slice();
    for (let k = 3000; k < 3012 && k < n; k++) idle[k] = 0;
    for (let k = 1200; k < 1212; k++) idle[k] = 0;
    expect(mayFire(blocksOf(bad, idle), PAIRS, 0.001, FROM_STEP, n)).toBe(true);
  });
});
