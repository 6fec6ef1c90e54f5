/**
 * The 'families' fleet for the borrowing backtest (issue 15 §3): services whose endpoints come in
 * families that really behave alike (one service's stack, one resource's routes), with a new
 * endpoint and low-traffic endpoints in most services. Borrowing should help exactly those.
 */
import { hashSeed } from '../sli/stats.js';
import { DAY, type FleetEndpoint, type FleetSpec } from './model.js';

const RESOURCES = ['orders', 'payments', 'users', 'products', 'invoices', 'shipments', 'reviews', 'carts', 'accounts', 'tickets', 'reports', 'messages'];
const SHAPES = ['/api/v1/{r}', '/api/v1/{r}/{id}', '/api/v1/{r}/{id}/items', '/api/v1/{r}/search', '/api/v1/{r}/{id}/history', '/api/v1/{r}/export', '/api/v1/{r}/{id}/status', '/api/v1/{r}/bulk'];

/**
 * `services` services of `endpointsPerService` endpoints. Per service one latency and error level
 * (endpoints within ±15%); the last endpoint is new (starts 6 days before the fit ends, i.e. 34 days
 * before `end` with the default 28+28 backtest), the two before it are low traffic (150-900/day).
 */
export function familiesFleet(spec: FleetSpec): FleetEndpoint[] {
  const services = spec.services ?? 12;
  const per = Math.max(4, spec.endpointsPerService ?? 8);
  const out: FleetEndpoint[] = [];
  for (let s = 0; s < services; s++) {
    const resource = RESOURCES[s % RESOURCES.length]!;
    const service = `${resource}-svc${s >= RESOURCES.length ? `-${Math.floor(s / RESOURCES.length)}` : ''}`;
    const h = hashSeed(spec.seed, service);
    const med = 0.02 * 2 ** ((h % 1000) / 200);
    const dayNoise = 0.08 + 0.25 * (((h >>> 10) % 1000) / 1000);
    const errorRate = 0.0003 + 0.003 * (((h >>> 20) % 1000) / 1000);
    for (let e = 0; e < per; e++) {
      const endpoint = SHAPES[e % SHAPES.length]!.replace('{r}', resource) + (e >= SHAPES.length ? `/${e}` : '');
      const he = hashSeed(spec.seed, service, endpoint);
      const jitter = 0.85 + 0.3 * ((he % 1000) / 1000);
      const isNew = e === per - 1;
      const isLow = e === per - 2 || e === per - 3;
      const rpd = isLow ? 150 + ((he >>> 8) % 750) : Math.round(20_000 * 10 ** (((he >>> 8) % 1000) / 1000));
      out.push({
        service,
        endpoint,
        healthCheck: false,
        requestsPerDay: rpd,
        dailyAmplitude: 0.5,
        weekendFactor: 0.8,
        latency: { medianSeconds: med * jitter, sigma: 0.45, tailShare: 0.004, tailFactor: 6, loadSensitivity: 0.15 },
        errorRate: errorRate * jitter,
        dayNoise: dayNoise * jitter,
        initialVersion: 'v1.0.0',
        deploys: [],
        incidents: [],
        gaps: [],
        replicas: 3,
        ...(isNew ? { startsAt: spec.end - 34 * DAY } : {}),
      });
    }
  }
  return out;
}
