/** What a detected trend means for the proposal, in report.json and in one warning sentence with figures. */
import { isoTime } from '../evidence/index.js';
import type { ProposalTrend, SliKind } from '../report.js';
import type { FitWindow } from './threshold.js';
import { projectedBad, projectionAt, type Projection, type TrendFit, type Trends } from './trend.js';
import { sliFunctions, type Built } from './variants.js';

export function hasTrend(t: Trends): boolean {
  return t.traffic !== null || t.latency !== null || t.errors !== null;
}

/** Whether the trend moves this SLI (traffic alone moves latency only when latency follows load). */
export function projectionMatters(kind: SliKind, p: Projection): boolean {
  return kind === 'latency' ? Math.abs(p.latencyFactor - 1) > 1e-6 : Math.abs(p.errorFactor - 1) > 1e-6;
}

const week = (f: TrendFit) => `${f.perWeek >= 0 ? '+' : ''}${(f.perWeek * 100).toFixed(1)}%/week since ${isoTime(f.since).slice(0, 10)}`;
const fit = (f: TrendFit) => ({ perWeek: Math.round(f.perWeek * 10_000) / 10_000, since: isoTime(f.since), t: Math.round(f.t * 10) / 10 });

/** Recency-weighted share of fit windows that breach under a projection. */
export function breachShareUnder(windows: FitWindow[], b: Pick<Built, 'target' | 'threshold'>, p: Projection): number {
  const { badOf } = sliFunctions(b.threshold);
  let sw = 0;
  let sb = 0;
  for (const f of windows) {
    const bad = badOf(f.w);
    if (bad === null || f.w.total <= 0) continue;
    sw += f.weight;
    if (1 - projectedBad(f.w, b.threshold, bad, p) / f.w.total < b.target / 100 - 1e-12) sb += f.weight;
  }
  return sw > 0 ? sb / sw : 0;
}

/** Budget burn per period at a projection: Σ projected bad / Σ valid / (1 − target). */
function burnUnder(windows: FitWindow[], b: Pick<Built, 'target' | 'threshold'>, p: Projection): number {
  const { badOf } = sliFunctions(b.threshold);
  let bad = 0;
  let total = 0;
  for (const f of windows) {
    const x = badOf(f.w);
    if (x === null) continue;
    bad += f.weight * projectedBad(f.w, b.threshold, x, p);
    total += f.weight * f.w.total;
  }
  return total > 0 ? bad / total / (1 - b.target / 100) : 0;
}

const fmtUtil = (u: number) => (u >= 0.99 ? 'saturated (at or past capacity)' : `${(u * 100).toFixed(0)}%`);

export function trendNote(input: {
  kind: SliKind;
  trends: Trends;
  fit: FitWindow[];
  built: Built[];
  unprojected: Array<{ type: string; rate: number; burn: number }> | null;
  periodEnd: number;
  mid: Projection;
}): { trend: ProposalTrend; warning: string | null } {
  const { kind, trends, built } = input;
  const mids = input.fit.map((f) => ({ mid: (f.w.start + f.w.end) / 2, weight: f.weight, w: f.w }));
  // The same windows as the fit's projection: its probit cache serves this one too.
  const atEnd = projectionAt(trends, mids, input.periodEnd, input.mid.probits);
  const projected = projectionMatters(kind, input.mid);
  const trend: ProposalTrend = {
    ...(trends.traffic ? { traffic: fit(trends.traffic) } : {}),
    ...(trends.latency ? { latencyP90: fit(trends.latency) } : {}),
    ...(trends.errors ? { errorRatio: fit(trends.errors) } : {}),
    ...(trends.elasticity !== null ? { latencyLoadElasticity: Math.round(trends.elasticity * 1000) / 1000 } : {}),
    ...(trends.queue && trends.traffic ? {
      queue: {
        capacityPerReplica: Number(trends.queue.capacityPerReplica.toPrecision(4)),
        exponent: Math.round(trends.queue.exponent * 1000) / 1000,
        replicas: trends.queue.replicas,
        peakUtilisation: Math.round(trends.queue.peakUtilisation * 1000) / 1000,
        projectedPeakUtilisation: Math.round((atEnd.utilisation?.projected ?? trends.queue.peakUtilisation) * 1000) / 1000,
      },
    } : {}),
    ...(kind === 'latency' && input.mid.latencyModel ? { latencyModel: input.mid.latencyModel } : {}),
    projected,
    projectedTo: isoTime(input.periodEnd),
    latencyFactor: Math.round(input.mid.latencyFactor * 1000) / 1000,
    errorFactor: Math.round(input.mid.errorFactor * 1000) / 1000,
  };
  const parts: string[] = [];
  if (trends.traffic) parts.push(`traffic ${week(trends.traffic)}`);
  if (trends.latency && kind === 'latency') parts.push(`p90 latency ${week(trends.latency)}`);
  if (trends.errors && kind === 'availability') parts.push(`error ratio ${week(trends.errors)}`);
  if (parts.length === 0) return { trend, warning: null };
  const by = isoTime(input.periodEnd).slice(0, 10);
  if (!projected) {
    const why = kind === 'latency' ? 'latency has not followed it so far' : 'the error ratio has not followed it so far';
    return { trend, warning: `Trend: ${parts.join('; ')}. ${why[0]!.toUpperCase()}${why.slice(1)}, so the figures assume today's behaviour; rerun before ${by}.` };
  }
  const riskiest = built[built.length - 1]!;
  const share = breachShareUnder(input.fit, riskiest, atEnd);
  const burnAtEnd = burnUnder(input.fit, riskiest, atEnd);
  const now = input.unprojected?.find((u) => u.type === riskiest.type);
  const oneIn = (s: number) => (s <= 0 ? 'would still breach on no day' : s >= 0.95 ? 'breaches on almost every day'
    : s > 0.4 ? `breaches on about ${Math.round(s * 100)}% of days` : `breaches on about 1 day in ${Math.max(1, Math.round(1 / s))}`);
  const q = trends.queue;
  const via = kind !== 'latency'
    ? `error ratio x${input.mid.errorFactor.toFixed(2)} at mid-period`
    : input.mid.latencyModel === 'queue' && q
      ? `latency is queue-shaped: latency ∝ (1 − load/capacity)^−${q.exponent.toFixed(2)} with a fitted capacity of ${q.capacityPerReplica.toPrecision(3)} req/s per replica ` +
        `(${q.replicas} replica${q.replicas === 1 ? '' : 's'}), busiest hour at ${(q.peakUtilisation * 100).toFixed(0)}% of it now and ${fmtUtil(atEnd.utilisation?.projected ?? q.peakUtilisation)} by the end of the period; ` +
        `latency x${input.mid.latencyFactor.toFixed(2)} at mid-period on average`
      : input.mid.latencyModel === 'drift'
        ? `latency x${input.mid.latencyFactor.toFixed(2)} at mid-period, projecting its drift`
        : `latency follows load (elasticity ${trends.elasticity!.toFixed(2)}), x${input.mid.latencyFactor.toFixed(2)} at mid-period`;
  const figures = now
    ? ` (expected breach rate ${(riskiest.estimate.rate * 100).toFixed(1)}% and budget burn ${(riskiest.burn.expected * 100).toFixed(0)}%, against ${(now.rate * 100).toFixed(1)}% and ${(now.burn * 100).toFixed(0)}% if it stopped today)`
    : '';
  return {
    trend,
    warning: `Trend: ${parts.join('; ')}. The figures project it over the next period (${via}). At this rate the ${riskiest.type} variant ${oneIn(share)} ` +
      `and burns its budget at ${(burnAtEnd * 100).toFixed(0)}% per period by ${by}${figures}.`,
  };
}
