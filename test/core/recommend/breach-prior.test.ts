import { describe, expect, it } from 'vitest';
import { DEMO_END } from '../../../app/cli/demo.js';
import { fleetHistories } from '../../../app/core/fleet/index.js';
import { posteriorRate } from '../../../app/core/recommend/bootstrap.js';
import { recommend } from '../../../app/core/recommend/index.js';
import { MIN_REPLAYS } from '../../../app/core/recommend/replay.js';

/**
 * Issue 11 §1: on the demo's 28-day history each SLO gets two weekly replay origins, so a service of
 * two endpoints has 4 SLOs × 2 origins × 3 variants = 24 replays, too few to choose its own prior.
 * Under Jeffreys every variant that never breached read "2.0% [0%, 10.7%]", the three alike.
 */
describe('breach rates on the demo fleet (28 days, too few replays per service)', () => {
  // The spec app/cli/demo.ts hands FleetHistorySource, over the demo's 28-day window.
  const days = 28;
  const histories = fleetHistories({ seed: 42, scenario: 'demo', end: DEMO_END, days }, { breachWindowSeconds: 86_400, hourly: true });
  const r = recommend(histories, { end: DEMO_END, windowSeconds: days * 86_400, breachWindowSeconds: 86_400, seed: 42 });

  it('uses the reference prior, and says so, in every service with fewer replays than it takes to choose one', () => {
    const services = Object.values(r.calibrationByService);
    expect(services.length).toBeGreaterThan(5);
    for (const c of services) {
      if (c.breach.replays < MIN_REPLAYS) expect(c.priorSource).toBe('reference');
    }
    const method = r.proposals.find((p) => r.calibrationByService[p.service]!.priorSource === 'reference')!.breachRateMethod;
    expect(method).toMatch(/reference prior fitted offline on synthetic fleets/);
  });

  it('gives the three variants of each SLO different expected breach rates, in risk order, none at the Jeffreys value', () => {
    let alike = 0;
    for (const p of r.proposals) {
      const rates = p.variants.map((v) => v.expectedBreachRate);
      // The report keeps 5 significant digits, so even rates of a few 10⁻⁵ (worst windows far from the
      // target) differ when the method gives them different values.
      if (rates.some((x, i) => x > 0 && rates.indexOf(x) !== i)) alike++;
      for (let i = 1; i < rates.length; i++) expect(rates[i - 1], p.sloId).toBeLessThanOrEqual(rates[i]!);
      if (r.calibrationByService[p.service]!.priorSource !== 'reference') continue;
      for (const v of p.variants) {
        const fit = r.predictive![p.sloId]![v.type]!;
        // What Jeffreys' Beta(½, ½) would have said for the same history (rounded as the report rounds).
        expect(v.expectedBreachRate, `${p.sloId} ${v.type}`).not.toBeCloseTo(posteriorRate(fit.share, fit.nEff, 0.5, 0.5), 5);
      }
    }
    expect(r.proposals.length).toBeGreaterThan(40);
    expect(alike).toBe(0);
  });

  it('gives never-breached variants that came closer to a breach (a worse worst window) a higher expected breach rate', () => {
    // Spearman rank correlation, per variant type, between the worst fitted window's budget burn and the rate.
    const ranks = (xs: number[]) => {
      const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
      const out = new Array<number>(xs.length);
      for (let j = 0; j < order.length; ) {
        let k = j;
        while (k + 1 < order.length && order[k + 1]!.x === order[j]!.x) k++;
        for (let m = j; m <= k; m++) out[order[m]!.i] = (j + k) / 2;
        j = k + 1;
      }
      return out;
    };
    const spearman = (xs: number[], ys: number[]) => {
      const rx = ranks(xs);
      const ry = ranks(ys);
      const mx = rx.reduce((s, v) => s + v, 0) / rx.length;
      const my = ry.reduce((s, v) => s + v, 0) / ry.length;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < rx.length; i++) {
        sxy += (rx[i]! - mx) * (ry[i]! - my);
        sxx += (rx[i]! - mx) ** 2;
        syy += (ry[i]! - my) ** 2;
      }
      return sxy / Math.sqrt(sxx * syy);
    };
    let checked = 0;
    for (const type of ['conservative', 'balanced', 'aggressive'] as const) {
      const cases = r.proposals.flatMap((p) => {
        const fit = r.predictive![p.sloId]![type]!;
        const v = p.variants.find((x) => x.type === type)!;
        return fit.share === 0 && r.calibrationByService[p.service]!.priorSource === 'reference' ? [{ worst: fit.worst, rate: v.expectedBreachRate }] : [];
      });
      if (cases.length < 10) continue;
      checked++;
      expect(spearman(cases.map((c) => c.worst), cases.map((c) => c.rate)), type).toBeGreaterThan(0.8);
      // And they no longer read alike: most never-breached variants of a type have a rate of their own.
      expect(new Set(cases.map((c) => c.rate)).size, type).toBeGreaterThan(cases.length / 2);
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});
