import { hashSeed } from '../sli/stats.js';
import { familiesFleet } from './families.js';
import { DAY, type FleetEndpoint, type FleetSpec, type LatencyModel } from './model.js';

/** Routes every Kubernetes-style service exposes; the recommender must skip them. */
const HEALTH_ROUTES = ['/healthz', '/livez', '/readyz', '/metrics', '/ping'];

interface EndpointSketch {
  endpoint: string;
  rpd: number;
  median: number;
  sigma?: number;
  errorRate?: number;
  extra?: (ep: FleetEndpoint, end: number, start: number) => void;
}
interface ServiceSketch { service: string; weekend: number; health?: string; version?: string; endpoints: EndpointSketch[] }

const hour = 3600;

/**
 * The demo fleet: a small shop plus its back office. Every messy case issue 2 names is in here,
 * at fixed offsets from `end`, so the demo output is stable and tests can find them.
 */
const DEMO: ServiceSketch[] = [
  { service: 'checkout', weekend: 1.2, health: '/healthz', version: 'v3.8.0', endpoints: [
    { endpoint: '/checkout', rpd: 80_000, median: 0.18, extra: (ep, end) => {
      // An incident: three hours of 8% errors and 3x latency, twelve days before the end.
      const start = dayStart(end) - 12 * DAY + 14 * hour;
      ep.incidents.push({ start, end: start + 3 * hour, errorRate: 0.08, latencyFactor: 3 });
      // A harmless deploy: a version change must not be mistaken for a regime change by itself.
      ep.deploys.push({ at: dayStart(end) - 20 * DAY + 11 * hour, version: 'v3.8.1', latencyFactor: 1 });
    } },
    { endpoint: '/checkout/{id}/status', rpd: 150_000, median: 0.03 },
  ] },
  { service: 'payments', weekend: 1.1, health: '/healthz', version: 'v2.3.4', endpoints: [
    { endpoint: '/charge', rpd: 60_000, median: 0.12, extra: (ep, end) => {
      // The regressing deploy: v2.4.0 went out nine days before the end and made /charge 1.8x slower.
      ep.deploys.push({ at: dayStart(end) - 9 * DAY + 10 * hour, version: 'v2.4.0', latencyFactor: 1.8 });
    } },
    { endpoint: '/refund', rpd: 3_000, median: 0.2 },
  ] },
  { service: 'cart', weekend: 1.25, health: '/livez', endpoints: [
    { endpoint: '/cart', rpd: 200_000, median: 0.04 },
    { endpoint: '/cart/items', rpd: 120_000, median: 0.05 },
  ] },
  { service: 'search', weekend: 1.15, endpoints: [
    { endpoint: '/search', rpd: 400_000, median: 0.08 },
    // A new endpoint: launched five days before the end.
    { endpoint: '/v2/suggest', rpd: 100_000, median: 0.03, extra: (ep, end) => { ep.startsAt = dayStart(end) - 5 * DAY; } },
  ] },
  { service: 'catalog', weekend: 1.2, health: '/metrics', endpoints: [
    { endpoint: '/products', rpd: 300_000, median: 0.06, extra: (ep, end) => {
      // A scrape outage: two days with no data at all.
      ep.gaps.push({ start: dayStart(end) - 15 * DAY, end: dayStart(end) - 13 * DAY });
    } },
    { endpoint: '/products/{id}', rpd: 500_000, median: 0.02 },
  ] },
  { service: 'auth', weekend: 0.5, health: '/readyz', endpoints: [
    { endpoint: '/login', rpd: 50_000, median: 0.15 },
    { endpoint: '/token', rpd: 800_000, median: 0.008, sigma: 0.4 },
  ] },
  { service: 'users', weekend: 0.55, endpoints: [
    { endpoint: '/users/{id}', rpd: 100_000, median: 0.025 },
    { endpoint: '/users/me', rpd: 60_000, median: 0.03 },
  ] },
  { service: 'inventory', weekend: 0.9, endpoints: [
    { endpoint: '/stock/{sku}', rpd: 90_000, median: 0.015 },
    { endpoint: '/reserve', rpd: 20_000, median: 0.09 },
  ] },
  { service: 'shipping', weekend: 0.6, endpoints: [
    { endpoint: '/quote', rpd: 15_000, median: 0.3, sigma: 0.55 },
    { endpoint: '/labels', rpd: 4_000, median: 0.6, sigma: 0.6 },
  ] },
  { service: 'notifications', weekend: 0.8, endpoints: [
    { endpoint: '/send', rpd: 30_000, median: 0.07, errorRate: 0.003 },
    { endpoint: '/templates/{id}', rpd: 12_000, median: 0.02 },
  ] },
  { service: 'recommendations', weekend: 1.2, endpoints: [
    { endpoint: '/recommendations', rpd: 250_000, median: 0.35, sigma: 0.6 },
    { endpoint: '/recommendations/similar', rpd: 90_000, median: 0.12 },
  ] },
  { service: 'reviews', weekend: 1.1, endpoints: [
    { endpoint: '/reviews/{productId}', rpd: 40_000, median: 0.05 },
    { endpoint: '/reviews', rpd: 2_500, median: 0.11 },
  ] },
  // A growing service: traffic +8% a week since 24 days before the end, and latency follows load
  // (queue-shaped); the recommender must see the trend and project it.
  { service: 'ledger', weekend: 0.9, endpoints: [
    { endpoint: '/entries', rpd: 40_000, median: 0.08, extra: (ep, end) => {
      ep.growth = { since: dayStart(end) - 24 * DAY, perWeek: 0.08 };
      ep.latency = { ...ep.latency, loadSensitivity: 0.8 };
    } },
  ] },
  // A low-traffic service: about 200 requests a day; a 99.9% target on it must come with a warning.
  { service: 'legacy-reports', weekend: 0.3, health: '/ping', endpoints: [
    { endpoint: '/reports/daily', rpd: 200, median: 0.4, sigma: 0.6 },
  ] },
];

export function describeFleet(spec: FleetSpec): FleetEndpoint[] {
  if (spec.scenario === 'families') return familiesFleet(spec); // borrowing backtest (issue 15)
  return (spec.scenario ?? 'demo') === 'demo' ? demoFleet(spec) : uniformFleet(spec);
}

function demoFleet(spec: FleetSpec): FleetEndpoint[] {
  const start = spec.end - spec.days * DAY;
  const out: FleetEndpoint[] = [];
  for (const svc of DEMO) {
    const version = svc.version ?? `v1.${hashSeed(svc.service, 'minor') % 10}.0`;
    for (const sk of svc.endpoints) {
      const ep = base(spec, svc.service, sk.endpoint, {
        requestsPerDay: sk.rpd, weekendFactor: svc.weekend, errorRate: sk.errorRate ?? 0.0005, initialVersion: version,
        latency: latency(sk.median, sk.sigma ?? 0.45),
      });
      sk.extra?.(ep, spec.end, start);
      out.push(ep);
    }
    if (svc.health) {
      // Probes every 5 s, always fast: they would make any SLO look perfect, so they are excluded.
      out.push(base(spec, svc.service, svc.health, {
        healthCheck: true, requestsPerDay: 17_280, weekendFactor: 1, dailyAmplitude: 0, errorRate: 0, initialVersion: version,
        latency: latency(0.002, 0.2),
      }));
    }
  }
  return out;
}

function uniformFleet(spec: FleetSpec): FleetEndpoint[] {
  const services = spec.services ?? 50;
  const perService = spec.endpointsPerService ?? 8;
  const out: FleetEndpoint[] = [];
  for (let s = 1; s <= services; s++) {
    const service = `svc-${String(s).padStart(2, '0')}`;
    for (let e = 1; e <= perService; e++) {
      const endpoint = `/api/v1/resource-${e}`;
      const h = hashSeed(spec.seed, service, endpoint);
      // Spread medians over 15..240 ms and traffic over 10k..300k/day so thresholds land on different buckets.
      const med = 0.015 * 2 ** ((h % 1000) / 250);
      const rpd = Math.round(10_000 * 30 ** (((h >>> 10) % 1000) / 1000));
      // Day-to-day noise from calm (0.05) to jumpy (0.35) so breach rates span 0 … tens of percent:
      // the backtest needs endpoints that do breach, not only ones with a wide margin.
      const dayNoise = 0.05 + 0.3 * (((h >>> 20) % 1000) / 1000);
      const lat = { ...latency(med, 0.45), tailShare: 0.001 + 0.009 * (((h >>> 5) % 997) / 997) };
      out.push(base(spec, service, endpoint, { requestsPerDay: rpd, latency: lat, weekendFactor: 0.8, dayNoise, errorRate: 0.0002 + 0.002 * (((h >>> 15) % 991) / 991) }));
    }
  }
  // Growing services: traffic +5..10% a week from the second week on, latency following load.
  for (let g = 1; g <= (spec.growingServices ?? 0); g++) {
    const service = `svc-growing-${g}`;
    for (let e = 1; e <= perService; e++) {
      const endpoint = `/api/v1/resource-${e}`;
      const h = hashSeed(spec.seed, service, endpoint);
      const med = 0.015 * 2 ** ((h % 1000) / 250);
      const rpd = Math.round(10_000 * 30 ** (((h >>> 10) % 1000) / 1000));
      const lat = { ...latency(med, 0.45), loadSensitivity: 0.8 };
      out.push(base(spec, service, endpoint, {
        requestsPerDay: rpd, latency: lat, weekendFactor: 0.8, dayNoise: 0.08,
        growth: { since: spec.end - spec.days * DAY + 7 * DAY, perWeek: 0.05 + 0.05 * (((h >>> 20) % 1000) / 1000) },
      }));
    }
  }
  // Queue-shaped services: traffic +9% a week for the last 24 days, latency x 1/(1 - rho) with the
  // busiest hour of the first days at rho ~ 0.45 (as test/core/recommend/queue-trend.test.ts).
  for (let g = 1; g <= (spec.queuedServices ?? 0); g++) {
    const service = `svc-queued-${g}`;
    for (let e = 1; e <= perService; e++) {
      const endpoint = `/api/v1/resource-${e}`;
      const h = hashSeed(spec.seed, service, endpoint);
      const requestsPerDay = 100_000 + 100_000 * ((h % 1000) / 1000);
      const ep = base(spec, service, endpoint, {
        requestsPerDay, latency: { ...latency(0.02 + 0.04 * (((h >>> 10) % 1000) / 1000), 0.45), loadSensitivity: 0 }, dayNoise: 0.03,
        growth: { since: spec.end - 24 * DAY, perWeek: 0.09 },
      });
      ep.queue = { capacityPerReplica: (requestsPerDay / DAY) * (1 + ep.dailyAmplitude) / ep.replicas / 0.45 };
      out.push(ep);
    }
  }
  return out;
}

function latency(medianSeconds: number, sigma: number): LatencyModel {
  return { medianSeconds, sigma, tailShare: 0.004, tailFactor: 6, loadSensitivity: 0.15 };
}

function base(spec: FleetSpec, service: string, endpoint: string, over: Partial<FleetEndpoint>): FleetEndpoint {
  return {
    service,
    endpoint,
    healthCheck: HEALTH_ROUTES.includes(endpoint),
    requestsPerDay: 10_000,
    dailyAmplitude: 0.5,
    weekendFactor: 0.8,
    latency: latency(0.05, 0.45),
    errorRate: 0.0005,
    dayNoise: 0.12,
    initialVersion: 'v1.0.0',
    deploys: [],
    incidents: [],
    gaps: [],
    replicas: 2 + (hashSeed(spec.seed, service) % 5),
    ...over,
  };
}

/** Midnight UTC at or before t. */
function dayStart(t: number): number {
  return Math.floor(t / DAY) * DAY;
}
