import type { VersionBehaviour } from './basis.js';
import type { WaitDistribution } from './erlang.js';
import { sojournCdf, type BucketCdf } from './latency.js';

export interface PeakLatency {
  /** Null when the quantile is above the last bucket bound (only "slower than it" is known). */
  baseline: { p50: number | null; p99: number | null };
  projected: { p50: number | null; p99: number | null };
}

/** q-quantile of a mixture of sojourn CDFs by bisection; null when beyond what the buckets cover. */
function mixtureQuantile(parts: Array<{ service: BucketCdf; share: number }>, wait: WaitDistribution, q: number): number | null {
  if (!wait.stable) return null;
  const cdf = (x: number) => parts.reduce((s, p) => s + p.share * sojournCdf(p.service, wait, x), 0);
  const top = parts[0]!.service.thresholds[parts[0]!.service.thresholds.length - 1]!;
  const waitTail = wait.probWait > 1 - q ? Math.log(wait.probWait / (1 - q)) / wait.decayRate : 0;
  let hi = top + waitTail;
  if (cdf(hi) < q) return null;
  let lo = 0;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) >= q) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Median and p99 latency at the busiest observed step, as observed vs under the scenario. */
export function latencyAtPeak(
  thresholds: number[],
  current: VersionBehaviour,
  base: WaitDistribution,
  scenario: WaitDistribution,
  canary: { behaviour: VersionBehaviour; share: number } | null,
): PeakLatency {
  const cur = { service: { thresholds, cdf: current.serviceCdf }, share: 1 };
  const mix = canary
    ? [{ ...cur, share: 1 - canary.share }, { service: { thresholds, cdf: canary.behaviour.serviceCdf }, share: canary.share }]
    : [cur];
  return {
    baseline: { p50: mixtureQuantile([cur], base, 0.5), p99: mixtureQuantile([cur], base, 0.99) },
    projected: { p50: mixtureQuantile(mix, scenario, 0.5), p99: mixtureQuantile(mix, scenario, 0.99) },
  };
}
