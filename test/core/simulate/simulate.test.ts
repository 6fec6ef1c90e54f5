import { describe, expect, it } from 'vitest';
import {
  SimulationError, simulateSlo, simulationBasisFromHistory, simulationInputFromHistories,
  type SimulationInput, type SimulationOptions,
} from '../../../app/core/simulate/index.js';
import { mmcHistory, proposal } from './fixtures.js';

const VARIANTS: Array<['conservative' | 'balanced' | 'aggressive', number, number]> = [
  ['conservative', 99, 0.5], ['balanced', 98.5, 0.25], ['aggressive', 95, 0.1],
];
const latencyInput = (history = mmcHistory()): SimulationInput =>
  simulationInputFromHistories([history], [proposal({ variants: VARIANTS })]);
const run = (input: SimulationInput, o: Partial<SimulationOptions> = {}) => simulateSlo(input, { service: 'checkout', draws: 500, ...o }).slos[0]!;

describe('capacity fit', () => {
  it('recovers the per-replica capacity of a service whose latency really follows M/M/c', () => {
    // 2 slots per replica, 50 ms mean service: 40 requests/s per replica.
    const basis = simulationBasisFromHistory(mmcHistory({ slots: 2 }))!;
    expect(basis.capacitySource).toBe('fitted');
    // Slots come from the observed mean latency (wait included, bucket midpoints): one off at most.
    expect(Math.abs(basis.serversPerReplica - 2)).toBeLessThanOrEqual(1);
    expect(Math.abs(basis.capacityPerReplica - 40) / 40).toBeLessThan(0.05);
  });

  it('falls back to the assumed peak utilisation when latency does not move with load', () => {
    const history = mmcHistory({ flat: true });
    const basis = simulationBasisFromHistory(history, { assumedPeakUtilisation: 0.5 })!;
    expect(basis.capacitySource).toBe('assumed');
    const peakPerReplica = Math.max(...history.hourly!.map((h) => h.total / 3600 / 4));
    expect(basis.capacityPerReplica).toBeCloseTo(peakPerReplica / 0.5, 6);
  });

  it('uses a configured capacity as given', () => {
    expect(simulationBasisFromHistory(mmcHistory(), { capacityPerReplica: 55 })!.capacityPerReplica).toBeCloseTo(55, 9);
    expect(simulationBasisFromHistory(mmcHistory(), { capacityPerReplica: 55 })!.capacitySource).toBe('configured');
  });
});

describe('lightly used services', () => {
  it('do not queue for seconds when traffic grows 50% (a replica serves at least one request per mean latency)', () => {
    const r = run(latencyInput(mmcHistory({ peakUtilisation: 0.02, flat: true })), { trafficMultiplier: 1.5 });
    const { baseline, projected } = r.latencyAtPeak!;
    expect(projected.p99! / baseline.p99!).toBeLessThan(1.1);
    for (const v of r.variants) expect(v.projectedBreachRate).toBe(v.baselineBreachRate);
  });
});

describe('projection properties', () => {
  const input = latencyInput();

  it('more replicas never increase the projected breach rate or the budget burn', () => {
    const results = [2, 3, 4, 5, 6, 8, 12].map((replicaCount) => run(input, { replicaCount }));
    for (let i = 1; i < results.length; i++) {
      results[i]!.variants.forEach((v, j) => {
        const fewer = results[i - 1]!.variants[j]!;
        expect(v.projectedBreachRate).toBeLessThanOrEqual(fewer.projectedBreachRate);
        expect(v.errorBudgetImpact.burnRate).toBeLessThanOrEqual(fewer.errorBudgetImpact.burnRate + 1e-12);
      });
    }
    // And the range is not trivially flat: 3 replicas are worse than 12 for the balanced variant.
    expect(results[1]!.variants[1]!.projectedBreachRate).toBeGreaterThan(results[6]!.variants[1]!.projectedBreachRate);
  });

  it('more traffic never lowers the projected breach rate', () => {
    const results = [0.5, 0.8, 1, 1.05, 1.1, 1.5, 2].map((trafficMultiplier) => run(input, { trafficMultiplier }));
    for (let i = 1; i < results.length; i++) {
      results[i]!.variants.forEach((v, j) => {
        expect(v.projectedBreachRate).toBeGreaterThanOrEqual(results[i - 1]!.variants[j]!.projectedBreachRate);
        expect(v.errorBudgetImpact.burnRate).toBeGreaterThanOrEqual(results[i - 1]!.variants[j]!.errorBudgetImpact.burnRate - 1e-12);
      });
    }
    expect(results[6]!.variants[0]!.projectedBreachRate).toBeGreaterThan(results[0]!.variants[0]!.projectedBreachRate);
  });

  it('a 0% canary and an unchanged scenario equal the baseline', () => {
    const versioned = latencyInput(mmcHistory({ deploys: [{ version: 'v1', day: 0 }, { version: 'v2', day: 20 }], serviceMean: { v1: 0.05, v2: 0.08 } }));
    for (const o of [{ canaryPercentage: 0 }, { canaryPercentage: 0, deploymentVersion: 'v1' }, {}, { trafficMultiplier: 1 }]) {
      for (const v of run(versioned, o).variants) {
        expect(v.projectedBreachRate).toBe(v.baselineBreachRate);
        expect(v.confidenceInterval).toEqual(v.baselineInterval);
        expect(v.errorBudgetImpact.burnRate).toBeCloseTo(v.baselineErrorBudgetImpact.burnRate, 12);
      }
    }
  });

  it('the same seed gives identical results and the interval brackets the rate', () => {
    const a = simulateSlo(input, { service: 'checkout', trafficMultiplier: 1.05, seed: 42 });
    const b = simulateSlo(input, { service: 'checkout', trafficMultiplier: 1.05, seed: 42 });
    expect(b).toEqual(a);
    for (const v of a.slos[0]!.variants) {
      expect(v.confidenceInterval[0]).toBeLessThanOrEqual(v.projectedBreachRate);
      expect(v.confidenceInterval[1]).toBeGreaterThanOrEqual(v.projectedBreachRate);
      expect(v.confidenceLevel).toBe(0.9);
    }
  });

  it('a rate of 0 of n windows still gets an upper bound above 0 (Clopper–Pearson), not a collapsed interval', () => {
    const v = run(input, { replicaCount: 12 }).variants[0]!;
    expect(v.projectedBreachRate).toBe(0);
    expect(v.confidenceInterval[1]).toBeCloseTo(1 - Math.pow(0.05, 1 / 28), 9);
  });
});

describe('versions: canary and rollback', () => {
  const history = mmcHistory({ deploys: [{ version: 'v1', day: 0 }, { version: 'v2', day: 14 }], serviceMean: { v1: 0.05, v2: 0.07 }, errorRatio: { v1: 0.001, v2: 0.02 } });
  const input = simulationInputFromHistories([history], [
    proposal({ variants: VARIANTS }),
    proposal({ sloId: 'checkout-pay-availability', sli: 'availability', variants: [['conservative', 99, null], ['balanced', 99.5, null], ['aggressive', 99.9, null]] }),
  ]);

  it('rolling back to the faster version lowers the latency burn; a canary of the slower newest version raises it', () => {
    const base = run(input, {});
    const rollback = run(input, { deploymentVersion: 'v1' });
    const canary = run(input, { canaryPercentage: 50 });
    expect(canary.scenario).toContain('v2');
    for (let j = 0; j < 3; j++) {
      expect(rollback.variants[j]!.errorBudgetImpact.burnRate).toBeLessThan(base.variants[j]!.baselineErrorBudgetImpact.burnRate);
      expect(canary.variants[j]!.errorBudgetImpact.burnRate).toBeGreaterThan(base.variants[j]!.baselineErrorBudgetImpact.burnRate);
    }
  });

  it('a slower version also uses more capacity: rolling it out everywhere raises peak utilisation', () => {
    const slower = run(input, { deploymentVersion: 'v2' });
    const faster = run(input, { deploymentVersion: 'v1' });
    expect(slower.utilisation.projectedPeak).toBeGreaterThan(faster.utilisation.projectedPeak * 1.2);
  });

  it('a full deployment of the erroring version breaches the availability SLO in every window', () => {
    const all = simulateSlo(input, { service: 'checkout', sloId: 'checkout-pay-availability', deploymentVersion: 'v2', draws: 200 }).slos[0]!;
    expect(all.variants.map((v) => v.projectedBreachRate)).toEqual([1, 1, 1]);
    expect(all.variants[0]!.baselineBreachRate).toBeCloseTo(0.5, 9);
  });

  it('warns when the candidate version was live too briefly to trust', () => {
    const brief = mmcHistory();
    const last = brief.windows[brief.windows.length - 1]!.end;
    brief.versions = [{ version: 'v1', start: brief.windows[0]!.start, end: last - 6 * 3600 }, { version: 'v9', start: last - 6 * 3600, end: last }];
    const r = run(latencyInput(brief), { canaryPercentage: 10 });
    expect(r.warnings.join('\n')).toMatch(/too little data for version v9: 6 step/);
  });

  it('rejects an unknown version, service or SLO with a message listing what exists', () => {
    expect(() => run(input, { deploymentVersion: 'v7' })).toThrow(/known versions: v1, v2/);
    expect(() => simulateSlo(input, { service: 'cart' })).toThrow(SimulationError);
    expect(() => simulateSlo(input, { service: 'cart' })).toThrow(/services with data: checkout/);
    expect(() => simulateSlo(input, { service: 'checkout', sloId: 'nope' })).toThrow(/its SLOs: checkout-pay-latency, checkout-pay-availability/);
    expect(() => simulateSlo(input, { service: 'checkout', canaryPercentage: 150 })).toThrow(/invalid simulation option canaryPercentage/);
  });
});

describe('warnings', () => {
  const input = latencyInput();
  it.each([
    ['doubling traffic past capacity', { trafficMultiplier: 2 }, /unstable, the queue grows without bound/],
    ['tripling traffic', { trafficMultiplier: 3 }, /extrapolation far outside observed load/],
    ['one replica when four were observed', { replicaCount: 1 }, /unstable/],
  ])('%s is flagged', (_name, o, pattern) => {
    expect(run(input, o).warnings.join('\n')).toMatch(pattern);
  });

  it('far more traffic on a lightly used service is not flagged as fragile extrapolation', () => {
    // Known capacity (2 slots x 20/s): at 10% peak utilisation the queue barely matters even at x2.
    const light = simulationInputFromHistories([mmcHistory({ peakUtilisation: 0.1 })], [proposal({ variants: VARIANTS })], { capacityPerReplica: 40 });
    expect(run(light, { trafficMultiplier: 2 }).warnings.join('\n')).not.toMatch(/extrapolation/);
    expect(run(light, { trafficMultiplier: 8 }).warnings.join('\n')).toMatch(/extrapolation far outside observed load/);
  });

  it('a small, stable change raises no warning', () => {
    expect(run(input, { replicaCount: 5 }).warnings).toEqual([]);
  });

  it('an assumed capacity is disclosed when the scenario changes load', () => {
    expect(run(latencyInput(mmcHistory({ flat: true })), { trafficMultiplier: 1.2 }).warnings.join('\n')).toMatch(/capacity is not identifiable/);
  });

  it('a short history is flagged', () => {
    expect(run(latencyInput(mmcHistory({ days: 4 })), {}).warnings.join('\n')).toMatch(/only 4 evaluation window/);
  });
});
