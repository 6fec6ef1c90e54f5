/**
 * Which services need hourly series (config `analysis.hourly: auto`). The hourly windows reach the
 * recommendation only through the trend detection's within-day fit of latency against load (the
 * load elasticity and the queue model), and that fit runs only where a sustained traffic trend was
 * found: on a latency SLO's fit windows (the recent regime after a change, else every window with
 * traffic) or on one of its rolling-origin replays' fit windows. The traffic trend needs daily
 * totals only, so it is found on the daily windows before any hourly series is fetched; a service
 * none of whose endpoints has one gets the same proposals with or without hourly series.
 */
import type { EndpointHistory } from '../types.js';
import { endpointContext } from './context.js';
import { resolveOptions, type RecommendOptions } from './options.js';
import { detectRegimeChange } from './regime.js';
import { replayOrigins } from './replay.js';
import { detectTrends } from './trend.js';
import { blockLength } from './variants.js';

export interface HourlyNeed {
  service: string;
  /** The first endpoint of the service where a traffic trend was found. */
  endpoint: string | null;
  /** Its traffic change per week (e.g. 0.06 = +6 %/week). */
  perWeek: number;
}

/**
 * One entry per service with a sustained traffic trend on windows the recommender fits a latency
 * SLO on (prepareProposal's fit windows and replayScores' origins), in the order of `histories`.
 */
export function servicesNeedingHourly(histories: EndpointHistory[], options: RecommendOptions): HourlyNeed[] {
  const o = resolveOptions(options);
  const check = blockLength(o.breachWindowSeconds);
  const found = new Map<string, HourlyNeed>();
  for (const h of histories) {
    if (found.has(h.service)) continue;
    const ctx = endpointContext(h, o);
    if ('skip' in ctx) continue;
    // As prepareProposal: no latency SLO without latency buckets; after a regime change it fits the new regime.
    if (!ctx.present.some((w) => w.latency && w.latency.thresholds.length > 0)) continue;
    const regime = detectRegimeChange(ctx.present, h.versions);
    const fit = regime ? ctx.present.slice(regime.fitFrom) : ctx.present;
    // The final fit, then the replays' fits before each weekly origin (replayScores).
    const sets = [fit, ...replayOrigins(fit.length, check).map((at) => fit.slice(0, at))];
    for (const ws of sets) {
      const traffic = detectTrends(ws).traffic;
      if (traffic) {
        found.set(h.service, { service: h.service, endpoint: h.endpoint, perWeek: traffic.perWeek });
        break;
      }
    }
  }
  return [...found.values()];
}
