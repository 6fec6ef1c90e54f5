import { describe, expect, it } from 'vitest';
import { describeFleet, endpointHistory, DAY, type FleetEndpoint, type FleetSpec } from '../../../app/core/fleet/index.js';
import { recommend } from '../../../app/core/recommend/index.js';
import { breachShareUnder } from '../../../app/core/recommend/trend-note.js';
import { detectTrends, projectionAt } from '../../../app/core/recommend/trend.js';
import { latencySli } from '../../../app/core/sli/window.js';

/**
 * Issue 11 §3: where latency is queue-shaped, project through the fitted per-replica capacity;
 * otherwise project the drift. Two synthetic services with the same traffic growth (+9 %/week):
 * one an M/M/1 queue (latency × 1/(1 − ρ)), one whose latency grows in proportion to load.
 */
const end = Date.UTC(2026, 10, 30) / 1000;
const spec: FleetSpec = { seed: 5, end, days: 28, scenario: 'uniform', services: 1, endpointsPerService: 1, stepSeconds: 600, growingServices: 1 };
const template = describeFleet(spec).find((e) => e.service === 'svc-growing-1')!;
const growth = { since: end - 24 * DAY, perWeek: 0.09 };
const requestsPerDay = 200_000;
const replicas = 4;
// Busiest hour of the first week at ρ ≈ 0.45: capacity = peak per-replica load / 0.45.
const capacityPerReplica = (requestsPerDay / DAY) * (1 + template.dailyAmplitude) / replicas / 0.45;
const queued: FleetEndpoint = {
  ...template, service: 'queued', requestsPerDay, replicas, growth, dayNoise: 0.03,
  latency: { ...template.latency, medianSeconds: 0.04, loadSensitivity: 0 }, queue: { capacityPerReplica },
};
const linear: FleetEndpoint = { ...queued, service: 'linear', latency: { ...queued.latency, loadSensitivity: 0.8 } };
delete (linear as Partial<FleetEndpoint>).queue;

const analyse = (ep: FleetEndpoint) => {
  const h = endpointHistory(spec, ep, { breachWindowSeconds: DAY, hourly: true });
  const r = recommend([h], { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, periodSeconds: 28 * DAY, bootstrapDraws: 300 });
  return { h, p: r.proposals.find((x) => x.sli === 'latency')! };
};

describe('queue-shaped latency projection', () => {
  const q = analyse(queued);
  const l = analyse(linear);

  it('detects the queue and fits a capacity near the true one', () => {
    expect(q.p.trend?.traffic?.perWeek).toBeGreaterThan(0.05);
    expect(q.p.trend?.latencyModel).toBe('queue');
    const fitted = q.p.trend!.queue!.capacityPerReplica;
    expect(fitted).toBeGreaterThan(capacityPerReplica * 0.7);
    expect(fitted).toBeLessThan(capacityPerReplica * 1.4);
    expect(q.p.trend!.queue!.replicas).toBe(replicas);
    expect(q.p.trend!.queue!.projectedPeakUtilisation).toBeGreaterThan(q.p.trend!.queue!.peakUtilisation);
  });

  it('says so in the warning, with the capacity and the utilisation', () => {
    const w = q.p.warnings.find((x) => x.startsWith('Trend:'))!;
    expect(w).toMatch(/queue-shaped/);
    expect(w).toMatch(/req\/s per replica \(4 replicas\)/);
    expect(w).toMatch(/busiest hour at \d+% of it now/);
  });

  it('projects a higher breach share through the capacity than the drift alone would give', () => {
    const fit = q.h.windows.map((w) => ({ w, weight: 0.5 ** ((end - w.end) / (14 * DAY)) }));
    const trends = detectTrends(q.h.windows, q.h.hourly, q.h.replicas);
    expect(trends.queue).not.toBeNull();
    const at = end + 14 * DAY;
    const mids = fit.map((f) => ({ mid: (f.w.start + f.w.end) / 2, weight: f.weight, w: f.w }));
    const viaQueue = projectionAt(trends, mids, at);
    // The same history with the queue ignored: the p90 drift (or the load elasticity) is projected instead.
    const viaDrift = projectionAt({ ...trends, queue: null }, mids, at);
    expect(viaQueue.latencyModel).toBe('queue');
    expect(viaDrift.latencyModel).not.toBe('queue');
    // Through the queue a busy hour slows down more than the average drift says: never a lower breach share, and a higher one for the riskiest variant.
    const share = (type: string, p: typeof viaQueue) => {
      const v = q.p.variants.find((x) => x.type === type)!;
      return breachShareUnder(fit, { target: v.target, threshold: v.thresholdSeconds }, p);
    };
    for (const type of ['conservative', 'balanced']) expect(share(type, viaQueue)).toBeGreaterThanOrEqual(share(type, viaDrift));
    expect(share('aggressive', viaQueue)).toBeGreaterThan(share('aggressive', viaDrift));
    // And it is the closer one: the same service simulated 28 more days breaches the aggressive bound on a quarter of them.
    const v = q.p.variants.find((x) => x.type === 'aggressive')!;
    const future = endpointHistory({ ...spec, end: end + 28 * DAY, days: 56 }, queued, { breachWindowSeconds: DAY }).windows.filter((w) => w.start >= end);
    const realized = future.filter((w) => latencySli(w, v.thresholdSeconds!)! < v.target / 100).length / future.length;
    expect(realized).toBeGreaterThan(0.1);
    expect(Math.abs(share('aggressive', viaQueue) - realized)).toBeLessThan(Math.abs(share('aggressive', viaDrift) - realized));
  });

  it('projects the drift for latency that grows in proportion to load, not through a capacity', () => {
    expect(l.p.trend?.traffic?.perWeek).toBeGreaterThan(0.05);
    expect(l.p.trend?.queue).toBeUndefined();
    expect(['drift', 'load-elasticity']).toContain(l.p.trend?.latencyModel);
    expect(l.p.warnings.find((x) => x.startsWith('Trend:'))).not.toMatch(/queue-shaped/);
  });
});
