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
      if (new Set(rates).size < rates.length) alike++;
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
});
