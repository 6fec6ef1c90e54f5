import { describe, expect, it } from 'vitest';
import { Report } from '../../../app/core/report.js';
import { fleetHistories } from '../../../app/core/fleet/index.js';
import {
  defaultWhatIf, formatSimulationMarkdown, simulateSlo, simulationBasisFromHistory, simulationInputFromHistories, simulationInputFromReport,
} from '../../../app/core/simulate/index.js';
import { END, mmcHistory, proposal } from './fixtures.js';

const latency = proposal({ variants: [['conservative', 99, 0.5], ['balanced', 98.5, 0.25], ['aggressive', 95, 0.1]] });

describe('default what-if scenarios', () => {
  it('gives traffic x1.5 and x2, one replica fewer and a 10% canary of the newest version', () => {
    const history = mmcHistory({ deploys: [{ version: 'v1', day: 0 }, { version: 'v2', day: 20 }], serviceMean: { v1: 0.05, v2: 0.06 } });
    const whatIf = defaultWhatIf(simulationInputFromHistories([history], [latency]), [latency], { seed: 3, draws: 300 }).get(latency.sloId)!;
    expect(whatIf.map((w) => w.scenario)).toEqual(['traffic x1.5', 'traffic x2', '3 replicas', '10% canary of v2']);
    expect(whatIf[2]!.parameters).toEqual({ replicaCount: 3 });
    for (const w of whatIf) {
      expect(w.variants.map((v) => v.type)).toEqual(['conservative', 'balanced', 'aggressive']);
      for (const v of w.variants) expect(v.projectedBreachRate).toBeGreaterThanOrEqual(v.baselineBreachRate);
    }
  });

  it('leaves out the canary when history knows a single version', () => {
    const whatIf = defaultWhatIf(simulationInputFromHistories([mmcHistory()], [latency]), [latency], { draws: 200 }).get(latency.sloId)!;
    expect(whatIf.map((w) => w.scenario)).not.toContain('10% canary of v1');
    expect(whatIf).toHaveLength(3);
  });
});

describe('report.json round trip', () => {
  it('simulates the same numbers from report.json as from the histories it was made from', () => {
    const history = mmcHistory();
    const input = simulationInputFromHistories([history], [latency]);
    const report = Report.parse(JSON.parse(JSON.stringify({
      generatedAt: new Date(END * 1000).toISOString(), window: '28d', breachWindow: '1d', end: new Date(END * 1000).toISOString(),
      proposals: [{ ...latency, simulationBasis: simulationBasisFromHistory(history) }],
      timings: { totalSeconds: 1, prometheusSeconds: 0, queries: 0 },
    })));
    const options = { service: 'checkout', trafficMultiplier: 1.2, seed: 9, draws: 400 };
    expect(simulateSlo(simulationInputFromReport(report), options)).toEqual(simulateSlo(input, options));
  });
});

describe('the synthetic fleet', () => {
  it('every endpoint of the demo fleet simulates to rates in [0, 1] with intervals around them', () => {
    const histories = fleetHistories({ seed: 1, end: END, days: 28, scenario: 'demo' }, { breachWindowSeconds: 86_400, hourly: true }).slice(0, 6);
    const proposals = histories.map((h, i) => proposal({ service: h.service, endpoint: h.endpoint ?? undefined, sloId: `slo-${i}`, variants: [['conservative', 99.9, 1], ['balanced', 99, 0.5], ['aggressive', 95, 0.25]] }));
    const input = simulationInputFromHistories(histories, proposals);
    expect(input.slos.length).toBe(histories.length);
    const whatIf = defaultWhatIf(input, proposals, { draws: 200 });
    for (const results of whatIf.values()) {
      for (const r of results) for (const v of r.variants) {
        expect(v.projectedBreachRate).toBeGreaterThanOrEqual(0);
        expect(v.projectedBreachRate).toBeLessThanOrEqual(1);
        expect(v.confidenceInterval[0]).toBeLessThanOrEqual(v.projectedBreachRate);
        expect(v.confidenceInterval[1]).toBeGreaterThanOrEqual(v.projectedBreachRate);
      }
    }
  });
});

describe('markdown for PR comments', () => {
  it('renders one table row per variant, the interval level and every warning', () => {
    const result = simulateSlo(simulationInputFromHistories([mmcHistory()], [latency]), { service: 'checkout', trafficMultiplier: 2, draws: 200 });
    const md = formatSimulationMarkdown(result);
    const rows = md.split('\n').filter((l) => /^\| (conservative|balanced|aggressive) \|/.test(l));
    expect(rows).toHaveLength(3);
    expect(md).toContain('#### checkout-pay-latency — traffic x2');
    expect(md).toContain('90% bootstrap interval, 200 draws, seed 1');
    for (const w of result.slos[0]!.warnings) expect(md).toContain(w);
  });
});
