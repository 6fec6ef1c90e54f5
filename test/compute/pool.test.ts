import { afterAll, describe, expect, it } from 'vitest';
import { FleetHistorySource } from '../../app/cli/demo.js';
import { recommendOnPool } from '../../app/compute/fleet.js';
import { ComputeWorkerError, computeThreadsFromEnv, createComputePool } from '../../app/compute/pool.js';
import { fleetHistories } from '../../app/core/fleet/index.js';
import { recommend } from '../../app/core/recommend/index.js';
import type { Report } from '../../app/core/report.js';
import { ComputeTimeLimitError } from '../../app/deadline.js';
import { fixedClock } from '../../app/deps.js';
import { aiRecommend, createAiLayer } from '../../app/ai/index.js';
import { AiSettings } from '../../app/config/ai.js';
import { silentLogger } from '../../app/logger.js';
import { runAnalysis } from '../../app/pipeline.js';

const DAY = 86_400;
const end = Date.UTC(2026, 2, 2) / 1000;
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1, bootstrapDraws: 300 };
const threaded = createComputePool({ threads: 2 });
const inProcess = createComputePool({ threads: 0 });
afterAll(() => threaded.close());

/** JSON with typed arrays as arrays: key order and every number count. */
const json = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (v instanceof Float64Array ? [...v] : v));
const withoutTimings = (r: Report) => ({ ...r, timings: undefined });

describe('compute pool', () => {
  it('recommends per service on threads exactly as one call over the fleet, in its order, whatever the order of the histories', { timeout: 120_000 }, async () => {
    const histories = fleetHistories({ seed: 3, scenario: 'demo', end, days: 28 }, { breachWindowSeconds: DAY });
    // Services interleaved: the merge must restore recommend's order, not the order of the services.
    const interleaved = [...histories].sort((a, b) => (a.endpoint ?? '').localeCompare(b.endpoint ?? '') || a.service.localeCompare(b.service));
    expect(new Set(interleaved.slice(0, 3).map((h) => h.service)).size).toBeGreaterThan(1);
    const whole = recommend(interleaved, options);
    const parts = await recommendOnPool(threaded, interleaved, options);
    expect(whole.proposals.length).toBeGreaterThan(10);
    expect(Object.keys(whole.calibrationByService).length).toBeGreaterThan(1);
    expect(json(parts)).toBe(json(whole));
  });

  it('gives the same report with 0 and 2 threads (demo fleet, every step)', { timeout: 120_000 }, async () => {
    const run = (compute: typeof threaded) => runAnalysis({ source: new FleetHistorySource({ seed: 1, scenario: 'demo' }), clock: fixedClock(new Date(end * 1000)), compute }, options);
    const [a, b] = [await run(inProcess), await run(threaded)];
    expect(a.proposals.some((p) => p.whatIf?.length)).toBe(true);
    expect(a.proposals.some((p) => p.simulationBasis)).toBe(true);
    expect(json(withoutTimings(b))).toBe(json(withoutTimings(a)));
  });

  it('runs the AI layer (criticality variants, borrowed priors) on threads with the same result as its in-process hooks', async () => {
    const histories = fleetHistories({ seed: 1, end, days: 28, stepSeconds: 3600 }, { breachWindowSeconds: DAY });
    const ai = await createAiLayer({ settings: AiSettings.parse({}), env: {}, logger: silentLogger });
    const here = await aiRecommend(histories, options, ai, silentLogger);
    const onThreads = await aiRecommend(histories, options, ai, silentLogger, (hs, o) => recommendOnPool(threaded, hs, o));
    // The hooks made a difference (else the tables would not be tested): a variant chosen by criticality, a borrowed prior.
    expect(here.proposals.some((p) => p.borrowed)).toBe(true);
    expect(here.proposals.some((p) => p.selectedVariant === 'conservative')).toBe(true);
    expect(json(onThreads)).toBe(json(here));
  });

  it('runs a service\'s recommend and what-if as one task: the same results, the recommend limit binding only until the part is back', { timeout: 120_000 }, async () => {
    const hs = fleetHistories({ seed: 4, scenario: 'uniform', services: 1, endpointsPerService: 8, end, days: 28, stepSeconds: 3600 }, { breachWindowSeconds: DAY });
    const task = { histories: hs, options, periodSeconds: options.windowSeconds };
    const part = await threaded.recommend({ histories: hs, options });
    const whatIf = await threaded.whatIf({ histories: hs, proposals: part.proposals.map((x) => x.proposal), periodSeconds: options.windowSeconds });
    expect(whatIf.filter((x) => x.whatIf?.length).length).toBe(part.proposals.length);
    // Same results as the two tasks.
    const both = threaded.recommendWhatIf!(task, { recommend: {}, whatIf: {} });
    expect(json(await both.part)).toBe(json(part));
    expect(json(await both.whatIf)).toBe(json(whatIf));
    // The recommend limit firing after the part is back does not stop the what-if ...
    const rec = new AbortController();
    const late = threaded.recommendWhatIf!(task, { recommend: { signal: rec.signal }, whatIf: {} });
    await late.part;
    rec.abort(new Error('recommend limit'));
    expect(json(await late.whatIf)).toBe(json(whatIf));
    // ... before it, it stops both with its reason; the what-if limit stops the task at any time.
    const early = new AbortController();
    early.abort(new Error('recommend limit'));
    const stopped = threaded.recommendWhatIf!(task, { recommend: { signal: early.signal }, whatIf: {} });
    await expect(stopped.part).rejects.toThrow('recommend limit');
    await expect(stopped.whatIf).rejects.toThrow('recommend limit');
    const w = new AbortController();
    const cut = threaded.recommendWhatIf!(task, { recommend: {}, whatIf: { signal: w.signal } });
    await cut.part;
    w.abort(new Error('what-if limit'));
    await expect(cut.whatIf).rejects.toThrow('what-if limit');
  });

  it('stops a recommend over its time limit with the time-limit error, the thread terminated', async () => {
    const pool = createComputePool({ threads: 1 });
    try {
      const source = new FleetHistorySource({ seed: 1, scenario: 'uniform', services: 6, endpointsPerService: 8 });
      const started = performance.now();
      await expect(runAnalysis({ source, clock: fixedClock(new Date(end * 1000)), compute: pool }, { ...options, computeSeconds: 0.05 }))
        .rejects.toThrow(ComputeTimeLimitError);
      await expect(runAnalysis({ source, clock: fixedClock(new Date(end * 1000)), compute: pool }, { ...options, computeSeconds: 0.05 }))
        .rejects.toThrow(/the recommender took longer than its 0.05 s limit and was stopped: analyse fewer services/);
      const stopped = performance.now() - started;
      // The pool still works afterwards (a new thread replaces the terminated one) ...
      const ok = await runAnalysis({ source: new FleetHistorySource({ seed: 1, scenario: 'demo' }), clock: fixedClock(new Date(end * 1000)), compute: pool }, options);
      expect(ok.proposals.length).toBeGreaterThan(0);
      // ... and the stopped runs did not run to the end: each ended well before one whole analysis did.
      expect(stopped).toBeLessThan(ok.timings!.totalSeconds * 1000 * 2);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('fails the analysis with a clear error when a compute thread dies, instead of hanging', { timeout: 60_000 }, async () => {
    const pool = createComputePool({ threads: 1, workerFile: { filename: new URL('../fixtures/compute/crash-worker.ts', import.meta.url).href, execArgv: ['--import', 'tsx'] } });
    try {
      const run = runAnalysis({ source: new FleetHistorySource({ seed: 1, scenario: 'demo' }), clock: fixedClock(new Date(end * 1000)), compute: pool }, options);
      await expect(run).rejects.toThrow(ComputeWorkerError);
      await expect(runAnalysis({ source: new FleetHistorySource({ seed: 1, scenario: 'demo' }), clock: fixedClock(new Date(end * 1000)), compute: pool }, options))
        .rejects.toThrow(/a compute thread of the analysis stopped unexpectedly during the recommend of (checkout|payments|search)/);
    } finally {
      await pool.close();
    }
  });

  it('keeps the event loop responsive during a big recommend on a thread (and not in process)', { timeout: 120_000 }, async () => {
    // One service with many endpoints: in process a service's recommend runs in one go (the pool yields
    // between services only), so this blocks the loop for 250-350 ms on a quiet machine.
    const histories = fleetHistories({ seed: 2, scenario: 'uniform', services: 1, endpointsPerService: 128, end, days: 28 }, { breachWindowSeconds: DAY });
    const pool = createComputePool({ threads: 1 });
    const maxLag = async (run: () => Promise<unknown>) => {
      let last = performance.now();
      let max = 0;
      const tick = setInterval(() => {
        const now = performance.now();
        max = Math.max(max, now - last);
        last = now;
      }, 5);
      try {
        await run();
      } finally {
        clearInterval(tick);
      }
      return Math.max(max, performance.now() - last);
    };
    try {
      await pool.recommend({ histories: histories.slice(0, 1), options }); // the thread is started (not measured)
      const onThread = await maxLag(() => recommendOnPool(pool, histories, options));
      const here = await maxLag(() => recommendOnPool(inProcess, histories, options));
      // In process the loop stalls for a whole service's recommend; on a thread only for copying its result
      // back (~1/4 of it per endpoint). Relative, since both scale with the machine's load and the JIT's warmth.
      expect(onThread).toBeLessThan(150);
      expect(here).toBeGreaterThan(2 * onThread);
    } finally {
      await pool.close();
    }
  });

  it('reads SLO_SCOUT_COMPUTE_THREADS (0 = in process; default one less than the CPUs, at least 1)', () => {
    expect(computeThreadsFromEnv({ SLO_SCOUT_COMPUTE_THREADS: '0' })).toBe(0);
    expect(computeThreadsFromEnv({ SLO_SCOUT_COMPUTE_THREADS: '3' })).toBe(3);
    expect(computeThreadsFromEnv({})).toBeGreaterThanOrEqual(1);
    expect(() => computeThreadsFromEnv({ SLO_SCOUT_COMPUTE_THREADS: 'lots' })).toThrow(/SLO_SCOUT_COMPUTE_THREADS="lots": must be a whole number/);
  });
});
