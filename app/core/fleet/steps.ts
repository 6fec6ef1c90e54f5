import type { Rng } from '../rng.js';
import { fastRng, hashSeed, normalCdf } from '../sli/stats.js';
import { DAY, DEFAULT_STEP_SECONDS, OTEL_HTTP_BUCKETS, type FleetEndpoint, type FleetSpec, type FleetStep } from './model.js';

const LOG_BOUNDS = OTEL_HTTP_BUCKETS.map(Math.log);

/**
 * Per-step samples for one endpoint. A generator: a 50 x 8 x 28-day fleet streams through in
 * constant memory, because nothing but the current day's latency factor is kept between steps.
 * Deterministic: the stream depends only on (seed, service, endpoint, time).
 */
export function* fleetSteps(spec: FleetSpec, ep: FleetEndpoint): Generator<FleetStep> {
  const step = spec.stepSeconds ?? DEFAULT_STEP_SECONDS;
  const count = Math.floor((spec.days * DAY) / step);
  const first = spec.end - count * step;
  const rng = fastRng(hashSeed(spec.seed, ep.service, ep.endpoint));
  const probs = new Array<number>(OTEL_HTTP_BUCKETS.length + 1);
  let day = Number.NaN;
  let dayFactor = 1;
  for (let i = 0; i < count; i++) {
    const t = first + i * step;
    if (ep.startsAt !== undefined && t < ep.startsAt) continue;
    if (ep.gaps.some((g) => t >= g.start && t < g.end)) continue;
    const d = Math.floor(t / DAY);
    if (d !== day) {
      day = d;
      // A per-day latency factor, seeded by the day itself so it is the same whatever the range asked for.
      dayFactor = Math.exp(ep.dayNoise * fastRng(hashSeed(spec.seed, ep.service, ep.endpoint, 'day', d)).normal());
    }
    const load = loadAt(ep, t);
    const total = poisson(rng, (ep.requestsPerDay / DAY) * step * load);
    let version = ep.initialVersion;
    let latencyFactor = dayFactor * (1 + ep.latency.loadSensitivity * (load - 1));
    if (ep.queue) latencyFactor /= 1 - Math.min(0.98, (ep.requestsPerDay / DAY) * load / ep.replicas / ep.queue.capacityPerReplica);
    for (const dep of ep.deploys) {
      if (t >= dep.at) {
        version = dep.version;
        latencyFactor *= dep.latencyFactor;
      }
    }
    let errorRate = ep.errorRate;
    for (const inc of ep.incidents) {
      if (t < inc.end && t + step > inc.start) {
        errorRate = Math.max(errorRate, inc.errorRate);
        latencyFactor *= inc.latencyFactor;
      }
    }
    bucketProbabilities(ep, latencyFactor, probs);
    yield { t, total, errors: binomial(rng, total, errorRate), bucketCounts: multinomial(rng, total, probs), version, replicas: ep.replicas };
  }
}

/** Relative load at t: a daily sine peaking at 15:00 UTC, times the weekend factor on Sat/Sun, times any sustained growth. */
export function loadAt(ep: FleetEndpoint, t: number): number {
  const hourOfDay = (t % DAY) / 3600;
  const weekday = (Math.floor(t / DAY) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const weekend = weekday === 0 || weekday === 6 ? ep.weekendFactor : 1;
  const growth = ep.growth && t > ep.growth.since ? (1 + ep.growth.perWeek) ** ((t - ep.growth.since) / (7 * DAY)) : 1;
  return (1 + ep.dailyAmplitude * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24)) * weekend * growth;
}

function bucketProbabilities(ep: FleetEndpoint, factor: number, out: number[]): void {
  const { medianSeconds, sigma, tailShare, tailFactor } = ep.latency;
  const mu = Math.log(medianSeconds * factor);
  const muTail = mu + Math.log(tailFactor);
  let prev = 0;
  for (let i = 0; i < LOG_BOUNDS.length; i++) {
    const cdf = (1 - tailShare) * normalCdf((LOG_BOUNDS[i]! - mu) / sigma) + tailShare * normalCdf((LOG_BOUNDS[i]! - muTail) / sigma);
    out[i] = Math.max(0, cdf - prev);
    prev = cdf;
  }
  out[LOG_BOUNDS.length] = Math.max(0, 1 - prev);
}

/** Multinomial as a chain of binomials over the remaining mass, so counts always sum to n. */
function multinomial(rng: Rng, n: number, probs: number[]): number[] {
  const out = new Array<number>(probs.length).fill(0);
  let rest = n;
  let mass = 1;
  for (let i = 0; i < probs.length - 1 && rest > 0; i++) {
    const p = mass > 0 ? Math.min(1, probs[i]! / mass) : 0;
    const k = binomial(rng, rest, p);
    out[i] = k;
    rest -= k;
    mass -= probs[i]!;
  }
  out[probs.length - 1] += rest;
  return out;
}

/** Binomial draw: exact inversion when the expected count is small, a rounded normal otherwise. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const m = n * p;
  if (m < 25) {
    // Inversion with the pmf recurrence; the loop runs about m + 1 times.
    const u = rng.next();
    const q = 1 - p;
    let pmf = q ** n;
    if (pmf > 0) {
      let cdf = pmf;
      let k = 0;
      while (u > cdf && k < n) {
        pmf *= ((n - k) / (k + 1)) * (p / q);
        k++;
        cdf += pmf;
      }
      return k;
    }
  }
  const k = Math.round(m + Math.sqrt(m * (1 - p)) * rng.normal());
  return Math.min(n, Math.max(0, k));
}

export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const l = Math.exp(-lambda);
    let k = 0;
    let prod = rng.next();
    while (prod > l) {
      k++;
      prod *= rng.next();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
}
