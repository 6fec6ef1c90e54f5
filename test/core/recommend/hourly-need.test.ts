import { describe, expect, it } from 'vitest';
import { DAY, fleetHistories, type FleetSpec } from '../../../app/core/fleet/index.js';
import { recommend, servicesNeedingHourly } from '../../../app/core/recommend/index.js';
import type { EndpointHistory } from '../../../app/core/types.js';

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

  it('needs no hourly series for a flat fleet', () => {
    const all = fleetHistories({ seed: 7, end, days: 29, scenario: 'uniform', services: 3, endpointsPerService: 2, stepSeconds: 600 }, { breachWindowSeconds: DAY });
    expect(servicesNeedingHourly(all, options)).toEqual([]);
  });
});
