import { describe, expect, it } from 'vitest';
import { DAY, fleetHistories, type FleetSpec } from '../../../app/core/fleet/index.js';
import { recommend, servicesNeedingHourly } from '../../../app/core/recommend/index.js';
import { detectTrends } from '../../../app/core/recommend/trend.js';
import type { EndpointHistory, WindowCounts } from '../../../app/core/types.js';

/**
 * analysis.hourly: auto fetches hourly series only for the services servicesNeedingHourly names. That
 * is sound only if the hourly series change no other service's proposals: on fleets with growing,
 * queue-shaped, regressing and flat services, recommend with hourly series for the named services
 * alone equals recommend with them for every service.
 */
const end = Date.UTC(2026, 10, 30) / 1000;
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, periodSeconds: 28 * DAY, bootstrapDraws: 200, seed: 3 };

const fleets: Array<[string, FleetSpec]> = [
  ['uniform with growing and queued services', { seed: 5, end, days: 29, scenario: 'uniform', services: 4, endpointsPerService: 2, growingServices: 1, queuedServices: 1, stepSeconds: 600 }],
  ['demo', { seed: 42, end, days: 29, stepSeconds: 600 }],
];

const withoutHourly = (hs: EndpointHistory[], keep: Set<string>) => hs.map((h) => {
  if (keep.has(h.service)) return h;
  const { hourly: _h, ...rest } = h;
  return rest;
});

describe('servicesNeedingHourly', () => {
  for (const [name, spec] of fleets) {
    it(`names the trending services, and hourly series change no other service's proposals (${name} fleet)`, () => {
      const all = fleetHistories(spec, { breachWindowSeconds: DAY, hourly: true });
      const named = servicesNeedingHourly(all, options);
      const services = new Set(all.map((h) => h.service));
      const chosen = new Set(named.map((n) => n.service));
      expect(chosen.size).toBeGreaterThan(0);
      expect(chosen.size).toBeLessThan(services.size);
      for (const n of named) expect(Math.abs(n.perWeek)).toBeGreaterThanOrEqual(0.03);
      // The daily windows alone decide: the hourly series are not looked at.
      expect(servicesNeedingHourly(withoutHourly(all, new Set()), options)).toEqual(named);
      const full = recommend(all, options);
      const auto = recommend(withoutHourly(all, chosen), options);
      expect(auto.proposals).toEqual(full.proposals);
      expect(auto.calibrationByService).toEqual(full.calibrationByService);
      expect(auto.calibration).toEqual(full.calibration);
    }, 240_000);
  }

  it('names the growing and queued services of a uniform fleet, not the flat ones; there the hourly series do change the proposals', () => {
    const [, spec] = fleets[0]!;
    const all = fleetHistories(spec, { breachWindowSeconds: DAY, hourly: true });
    const chosen = servicesNeedingHourly(all, options).map((n) => n.service).sort();
    expect(chosen).toEqual(['svc-growing-1', 'svc-queued-1']);
    for (const n of servicesNeedingHourly(all, options)) expect(n.perWeek).toBeGreaterThan(0.05);
    // Not vacuous: without the hourly series the queued service loses its queue model.
    const queued = (hs: EndpointHistory[]) => recommend(hs.filter((h) => h.service === 'svc-queued-1'), options).proposals.find((p) => p.sli === 'latency')!;
    expect(queued(all).trend?.latencyModel).toBe('queue');
    expect(queued(withoutHourly(all, new Set())).trend?.latencyModel).not.toBe('queue');
  }, 240_000);

  it('names a service whose traffic trended only before the last week: the replays fit on those weeks, and the hourly series change its calibration', () => {
    // The queued service's traffic grows +9 %/week for 17 days, then its last 7 days fall back to the
    // first days' level (daily and hourly counts scaled alike): no trend over the whole window.
    const queued = fleetHistories({ seed: 5, end, days: 29, scenario: 'uniform', services: 1, endpointsPerService: 1, queuedServices: 1, stepSeconds: 600 }, { breachWindowSeconds: DAY, hourly: true })
      .find((h) => h.service === 'svc-queued-1')!;
    const scale = (w: WindowCounts, f: number): WindowCounts => ({
      ...w, total: Math.round(w.total * f), errors: Math.round(w.errors * f),
      ...(w.latency ? { latency: { ...w.latency, goodCounts: w.latency.goodCounts.map((g) => Math.round(g * f)) } } : {}),
    });
    const days = queued.windows.filter((w) => w.start >= end - 28 * DAY && w.end <= end).sort((a, b) => a.start - b.start);
    const level = days.slice(0, 4).reduce((s, w) => s + w.total, 0) / 4;
    const factor = new Map(days.slice(-7).map((w) => [w.start, level / w.total]));
    const dayOf = (w: WindowCounts) => Math.floor(w.start / DAY) * DAY;
    const bump: EndpointHistory = {
      ...queued, service: 'svc-bump',
      windows: days.map((w) => scale(w, factor.get(w.start) ?? 1)),
      hourly: queued.hourly!.map((w) => scale(w, factor.get(dayOf(w)) ?? 1)),
    };
    expect(detectTrends(bump.windows).traffic).toBeNull();
    expect(servicesNeedingHourly([bump], options).map((n) => n.service)).toEqual(['svc-bump']);
    const { hourly: _h, ...daily } = bump;
    expect(recommend([bump], options).calibrationByService).not.toEqual(recommend([daily], options).calibrationByService);
  });

  it('needs no hourly series for a flat fleet', () => {
    const all = fleetHistories({ seed: 7, end, days: 29, scenario: 'uniform', services: 3, endpointsPerService: 2, stepSeconds: 600 }, { breachWindowSeconds: DAY });
    expect(servicesNeedingHourly(all, options)).toEqual([]);
  });
});
