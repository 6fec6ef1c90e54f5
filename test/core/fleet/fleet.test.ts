import { describe, expect, it } from 'vitest';
import { DAY, OTEL_HTTP_BUCKETS, describeFleet, fleetHistories, fleetSteps, loadAt } from '../../../app/core/fleet/index.js';

const end = Date.UTC(2026, 10, 28) / 1000;
const demo = { seed: 7, end, days: 28, stepSeconds: 3600 };

describe('synthetic fleet', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = fleetHistories({ ...demo, scenario: 'uniform', services: 2, endpointsPerService: 2 }, { breachWindowSeconds: DAY });
    const b = fleetHistories({ ...demo, scenario: 'uniform', services: 2, endpointsPerService: 2 }, { breachWindowSeconds: DAY });
    const c = fleetHistories({ ...demo, seed: 8, scenario: 'uniform', services: 2, endpointsPerService: 2 }, { breachWindowSeconds: DAY });
    expect(a).toEqual(b);
    expect(a.map((h) => h.windows.map((w) => w.total))).not.toEqual(c.map((h) => h.windows.map((w) => w.total)));
  });

  it('has bucket counts that always sum to the step total, with errors never above it', () => {
    const eps = describeFleet(demo).slice(0, 6);
    let steps = 0;
    for (const ep of eps) {
      for (const s of fleetSteps(demo, ep)) {
        expect(s.bucketCounts).toHaveLength(OTEL_HTTP_BUCKETS.length + 1);
        expect(s.bucketCounts.reduce((x, y) => x + y, 0)).toBe(s.total);
        expect(s.bucketCounts.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
        expect(s.errors).toBeLessThanOrEqual(s.total);
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(6 * 27 * 24);
  });

  it('aggregates windows whose cumulative good counts are non-decreasing and end at or below the total', () => {
    for (const h of fleetHistories(demo, { breachWindowSeconds: DAY })) {
      for (const w of h.windows) {
        const g = w.latency!.goodCounts;
        for (let i = 1; i < g.length; i++) expect(g[i]).toBeGreaterThanOrEqual(g[i - 1]!);
        expect(g[g.length - 1]).toBeLessThanOrEqual(w.total);
        expect(w.end - w.start).toBe(DAY);
      }
    }
  });

  it('streams lazily, so a century-long fleet yields its first steps at once (memory-bounded)', () => {
    const spec = { seed: 1, end, days: 36_500, scenario: 'uniform' as const, services: 1, endpointsPerService: 1 };
    const it = fleetSteps(spec, describeFleet(spec)[0]!);
    const first = [it.next().value, it.next().value];
    expect(first[1]!.t - first[0]!.t).toBe(300);
    expect(first[0]!.t).toBe(end - 36_500 * DAY);
  });

  describe('the demo scenario', () => {
    const eps = describeFleet(demo);
    const hist = fleetHistories(demo, { breachWindowSeconds: DAY, hourly: true });
    const find = (s: string, e: string) => hist.find((h) => h.service === s && h.endpoint === e)!;

    it('has at least 12 services, several endpoints each, and health-check routes', () => {
      expect(new Set(eps.map((e) => e.service)).size).toBeGreaterThanOrEqual(12);
      expect(eps.filter((e) => e.healthCheck).length).toBeGreaterThanOrEqual(5);
      expect(eps.filter((e) => !e.healthCheck).length).toBeGreaterThanOrEqual(24);
    });

    it('has a low-traffic service at about 200 requests a day', () => {
      const low = find('legacy-reports', '/reports/daily');
      const weekday = low.windows.filter((w) => ![0, 6].includes((Math.floor(w.start / DAY) + 4) % 7));
      const mean = weekday.reduce((s, w) => s + w.total, 0) / weekday.length;
      expect(mean).toBeGreaterThan(150);
      expect(mean).toBeLessThan(250);
    });

    it('has a new endpoint with only the last 5 days and a gap of 2 missing windows', () => {
      expect(find('search', '/v2/suggest').windows).toHaveLength(5);
      expect(find('catalog', '/products').windows).toHaveLength(26);
    });

    it('has a regressing deploy: the version changes and p50-ish latency shifts up', () => {
      const charge = find('payments', '/charge');
      expect(charge.versions!.map((v) => v.version)).toEqual(['v2.3.4', 'v2.4.0']);
      const share = (w: (typeof charge.windows)[number]) => w.latency!.goodCounts[OTEL_HTTP_BUCKETS.indexOf(0.25)]! / w.total;
      const before = charge.windows.slice(0, 15).map(share);
      const after = charge.windows.slice(-6).map(share);
      expect(Math.max(...after)).toBeLessThan(Math.min(...before));
    });

    it('has an incident: one day of checkout errors far above the others', () => {
      const rates = find('checkout', '/checkout').windows.map((w) => w.errors / w.total).sort((a, b) => b - a);
      expect(rates[0]).toBeGreaterThan(10 * rates[2]!);
    });

    it('has weekly and daily seasonality', () => {
      const auth = find('auth', '/login');
      const weekend = auth.windows.filter((w) => [0, 6].includes((Math.floor(w.start / DAY) + 4) % 7));
      const weekdays = auth.windows.filter((w) => ![0, 6].includes((Math.floor(w.start / DAY) + 4) % 7));
      const avg = (ws: typeof weekend) => ws.reduce((s, w) => s + w.total, 0) / ws.length;
      expect(avg(weekend) / avg(weekdays)).toBeLessThan(0.6);
      const ep = eps.find((e) => e.service === 'auth' && e.endpoint === '/login')!;
      const monday = Math.floor(end / DAY / 7) * 7 * DAY + 4 * DAY; // a Monday
      expect(loadAt(ep, monday + 15 * 3600)).toBeGreaterThan(1.4 * loadAt(ep, monday + 3 * 3600));
      const hourly = auth.hourly!.filter((w) => w.start >= end - 7 * DAY);
      const byHour = (hr: number) => hourly.filter((w) => (w.start % DAY) / 3600 === hr).reduce((s, w) => s + w.total, 0);
      expect(byHour(15)).toBeGreaterThan(2 * byHour(3));
    });

    it('carries exemplars with 32-hex trace ids inside their windows, and OTel source names', () => {
      const h = find('checkout', '/checkout');
      expect(h.exemplars!.length).toBeGreaterThan(20);
      for (const e of h.exemplars!) {
        expect(e.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(e.timestamp).toBeGreaterThanOrEqual(h.windows[0]!.start);
      }
      expect(h.source).toMatchObject({ bucketMetric: 'http_server_request_duration_seconds_bucket', selector: { service_name: 'checkout', http_route: '/checkout' } });
    });
  });
});
