/**
 * Erlang B and Erlang C for the M/M/c queue, computed with the numerically stable recursion
 * B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1)) and C = c·B / (c - A·(1 - B)).
 * No factorials and no powers of A: every step stays in [0, 1], so c = 1000 with A close to c
 * neither overflows nor cancels (the textbook sum of A^k/k! overflows a double past k ≈ 170).
 */

function checkArgs(servers: number, offeredLoad: number): void {
  if (!Number.isInteger(servers) || servers < 0) {
    throw new RangeError(`servers must be a whole number >= 0, got ${servers}`);
  }
  if (!(offeredLoad >= 0) || !Number.isFinite(offeredLoad)) {
    throw new RangeError(`offered load (Erlang) must be a finite number >= 0, got ${offeredLoad}`);
  }
}

/** Erlang B: probability that an arrival finds all `servers` busy in a loss system with `offeredLoad` Erlang. */
export function erlangB(servers: number, offeredLoad: number): number {
  checkArgs(servers, offeredLoad);
  let b = 1;
  for (let k = 1; k <= servers; k++) {
    const ab = offeredLoad * b;
    b = ab / (k + ab);
  }
  return b;
}

/**
 * Erlang C: probability that an arrival has to wait in M/M/c with `servers` servers and
 * `offeredLoad` = λ/μ Erlang. Returns 1 when the queue is unstable (A >= c): everyone waits.
 */
export function erlangC(servers: number, offeredLoad: number): number {
  checkArgs(servers, offeredLoad);
  if (servers === 0 || offeredLoad >= servers) return 1;
  if (offeredLoad === 0) return 0;
  const b = erlangB(servers, offeredLoad);
  return (servers * b) / (servers - offeredLoad * (1 - b));
}

/** Parameters of the M/M/c waiting time: P(W > t) = probWait · exp(-decayRate · t). */
export interface WaitDistribution {
  /** Erlang C: share of requests that wait at all. */
  probWait: number;
  /** c·μ − λ (per second); 0 when unstable. */
  decayRate: number;
  /** ρ = λ / (c·μ). */
  utilisation: number;
  stable: boolean;
}

/**
 * M/M/c waiting time for arrival rate `lambda` (per second), `servers` servers each serving
 * `mu` requests per second (FCFS). For ρ >= 1 the queue grows without bound: `stable` is false.
 */
export function waitDistribution(servers: number, lambda: number, mu: number): WaitDistribution {
  if (!(mu > 0)) throw new RangeError(`service rate per server must be > 0, got ${mu}`);
  if (servers === 0) return { probWait: 1, decayRate: 0, utilisation: Infinity, stable: false };
  const utilisation = lambda / (servers * mu);
  if (utilisation >= 1) return { probWait: 1, decayRate: 0, utilisation, stable: false };
  return { probWait: erlangC(servers, lambda / mu), decayRate: servers * mu - lambda, utilisation, stable: true };
}

/** Mean wait in queue (seconds) of M/M/c; Infinity when unstable. */
export function meanWait(servers: number, lambda: number, mu: number): number {
  const w = waitDistribution(servers, lambda, mu);
  return w.stable ? w.probWait / w.decayRate : Infinity;
}

/** P(W <= t): share of requests that wait at most `t` seconds (the call-centre "service level"). */
export function waitAtMost(servers: number, lambda: number, mu: number, t: number): number {
  const w = waitDistribution(servers, lambda, mu);
  return w.stable ? 1 - w.probWait * Math.exp(-w.decayRate * t) : 0;
}
