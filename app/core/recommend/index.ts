/**
 * The recommendation engine (pure): per endpoint, a latency and an availability SLO proposal,
 * each with three variants, breach-rate intervals, confidence, warnings and evidence.
 * See docs/recommendation.md for the model.
 */
import type { Calibration, Proposal } from '../report.js';
import type { EndpointHistory } from '../types.js';
import { endpointContext } from './context.js';
import { resolveOptions, type RecommendOptions } from './options.js';
import { breachPredictives, finishProposal, prepareProposal, type BreachPredictive, type Levels, type Prepared, type TrendCache } from './proposal.js';
import { calibrateBreach, calibrateScale, MIN_REPLAYS, type BreachPrior, type CalibratedLevel, type ReplayScores } from './replay.js';
import { VARIANT_TYPES, type VariantType } from '../report.js';

export type { RecommendOptions } from './options.js';
export { DEFAULT_PERCENTILES, DEFAULT_COMPLIANCE_GOALS, DEFAULT_EXCLUDE } from './options.js';
export { slug, sloIdFor } from './context.js';
export { detectRegimeChange, type RegimeChange } from './regime.js';
export { estimateBreachRate } from './bootstrap.js';
export { servicesNeedingHourly, type HourlyNeed } from './hourly-need.js';
export type { BreachPredictive } from './proposal.js';

export interface RecommendResult {
  proposals: Proposal[];
  skipped: Array<{ service: string; endpoint: string | null; reason: string }>;
  /** How the intervals held on this history over the whole fleet (rolling-origin replays, split conformal). */
  calibration: Calibration;
  /** The calibration each service's intervals were cut at (its own SLOs' replays only). */
  calibrationByService: Record<string, Calibration>;
  /**
   * Per sloId and variant: the predictive pmf of the breached count the interval was cut from, and its level.
   * Not part of the report; the backtest (app/core/fleet) scores intervals of a discrete outcome with it.
   */
  predictive?: Record<string, Partial<Record<VariantType, BreachPredictive>>>;
}

export function recommend(histories: EndpointHistory[], options: RecommendOptions): RecommendResult {
  return mergeRecommendParts([{ indexes: histories.map((_, i) => i), part: recommendPart(histories, options) }], resolveOptions(options).intervalLevel);
}

/**
 * What recommend computes for some histories that hold every endpoint of their services: each
 * proposal with its history's index in `histories` and its replays (the fleet-wide summary pools
 * them), the skipped endpoints, and each service's calibration. Plain data (typed arrays at most),
 * so a worker thread can compute a part and hand it back; recommend is the merge of one part.
 */
export interface RecommendPart {
  proposals: Array<{ history: number; proposal: Proposal; replays: ReplayScores }>;
  skipped: Array<{ history: number; service: string; endpoint: string | null; reason: string }>;
  calibrationByService: Record<string, Calibration>;
  predictive: NonNullable<RecommendResult['predictive']>;
}

/**
 * recommend's work for histories that hold all endpoints of their services (a service is calibrated
 * on its own SLOs only, so a partition of the fleet by service gives the same proposals).
 */
export function recommendPart(histories: EndpointHistory[], options: RecommendOptions): RecommendPart {
  const o = resolveOptions(options);
  const prepared: Array<{ history: number; p: Prepared }> = [];
  const skipped: RecommendPart['skipped'] = [];
  for (const [i, h] of histories.entries()) {
    options.checkpoint?.();
    const ctx = endpointContext(h, o);
    if ('skip' in ctx) {
      skipped.push({ history: i, service: h.service, endpoint: h.endpoint, reason: ctx.skip });
      continue;
    }
    // The endpoint's two SLOs fit the same windows: their trends are found once (and dropped after).
    const trends: TrendCache = new Map();
    for (const kind of ['latency', 'availability'] as const) {
      const p = prepareProposal(ctx, kind, trends);
      if (p) prepared.push({ history: i, p });
    }
  }
  // Calibrated per service: pooling across the fleet would let one service's new data move every
  // other service's intervals, so each per-service PR would change on every rerun (issue 10). A
  // service still pools all its SLOs and variants; the fleet-wide figure is kept for the summary.
  const byService = new Map<string, Prepared[]>();
  for (const { p } of prepared) byService.set(p.ctx.h.service, [...(byService.get(p.ctx.h.service) ?? []), p]);
  const calibrationByService: Record<string, Calibration> = {};
  const proposals = new Map<Prepared, Proposal>();
  const predictive: RecommendPart['predictive'] = {};
  for (const [service, group] of byService) {
    const c = calibrationOf(group.map((p) => p.replays), o.intervalLevel);
    calibrationByService[service] = c;
    const levels = {
      prior: priorOfCalibration(c),
      breach: Object.fromEntries(VARIANT_TYPES.map((t) => [t, c.breachByVariant?.[t]?.level ?? c.breach.level])) as Levels['breach'],
      burnShift: c.burn.shift,
    };
    for (const p of group) {
      proposals.set(p, finishProposal(p, levels));
      predictive[p.sloId] = breachPredictives(p, levels);
    }
  }
  return { proposals: prepared.map(({ history, p }) => ({ history, proposal: proposals.get(p)!, replays: p.replays })), skipped, calibrationByService, predictive };
}

/**
 * One RecommendResult from parts computed on a partition of the histories by service: `indexes[i]`
 * is the fleet-wide index of the part's history i. Proposals, skips and calibrations come out in the
 * order one recommend call over the whole fleet gives them, and the fleet summary pools the same replays.
 */
export function mergeRecommendParts(parts: Array<{ indexes: number[]; part: RecommendPart }>, nominal: number): RecommendResult {
  const proposals: Array<{ at: number; seq: number; proposal: Proposal; replays: ReplayScores; byService: Record<string, Calibration> }> = [];
  const skipped: Array<{ at: number; service: string; endpoint: string | null; reason: string }> = [];
  for (const { indexes, part } of parts) {
    for (const [seq, x] of part.proposals.entries()) proposals.push({ at: indexes[x.history]!, seq, proposal: x.proposal, replays: x.replays, byService: part.calibrationByService });
    for (const s of part.skipped) skipped.push({ at: indexes[s.history]!, service: s.service, endpoint: s.endpoint, reason: s.reason });
  }
  // Within one history, a part keeps recommend's order (latency, then availability): `seq` is that order.
  proposals.sort((a, b) => a.at - b.at || a.seq - b.seq);
  skipped.sort((a, b) => a.at - b.at);
  const calibrationByService: Record<string, Calibration> = {};
  const predictive: NonNullable<RecommendResult['predictive']> = {};
  const predictiveOf = new Map(parts.flatMap(({ part }) => Object.entries(part.predictive)));
  // Services in order of their first proposal, each service's SLOs in order: recommend's own order.
  const services = new Map<string, typeof proposals>();
  for (const x of proposals) services.set(x.proposal.service, [...(services.get(x.proposal.service) ?? []), x]);
  for (const [service, group] of services) {
    calibrationByService[service] = group[0]!.byService[service]!;
    for (const x of group) {
      const pr = predictiveOf.get(x.proposal.sloId);
      if (pr) predictive[x.proposal.sloId] = pr;
    }
  }
  return {
    proposals: proposals.map((x) => x.proposal),
    skipped: skipped.map(({ service, endpoint, reason }) => ({ service, endpoint, reason })),
    calibration: calibrationOf(proposals.map((x) => x.replays), nominal),
    calibrationByService,
    predictive,
  };
}

/** Pools every SLO's and variant's replay scores (split conformal needs many; one SLO has a few weeks). */
export function calibrationOf(replays: ReplayScores[], nominal: number): Calibration {
  const from = Math.min(...replays.map((r) => r.from));
  const to = Math.max(...replays.map((r) => r.to));
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  const level = (c: CalibratedLevel) => ({ level: round(c.level), replays: c.replays, heldAtNominal: round(c.heldAtNominal), held: round(c.held) });
  const breach = calibrateBreach(replays.flatMap((r) => r.breach), nominal);
  return {
    nominalLevel: nominal,
    method: `rolling-origin replay on the analysed history (select and fit on the windows before each weekly origin, check the next week), pooled over every SLO of a service; breach prior by least squares on the replays among symmetric Beta(c/2, c/2) and the headroom-aware reference prior (the reference when a service has fewer than ${MIN_REPLAYS} replays); split-conformal level per variant`,
    ...(Number.isFinite(from) && Number.isFinite(to) ? { from: iso(from), to: iso(to), weeks: Math.round((to - from) / (7 * 86_400)) } : {}),
    priorStrength: breach.prior.strength,
    priorMean: { ...breach.prior.mean },
    priorSource: breach.prior.source,
    ...(breach.prior.headroomSlope ? { priorHeadroomSlope: breach.prior.headroomSlope } : {}),
    breach: level(breach.pooled),
    breachByVariant: Object.fromEntries(Object.entries(breach.byVariant).map(([t, c]) => [t, level(c)])),
    burn: (() => {
      const c = calibrateScale(replays.flatMap((r) => r.burn), nominal);
      return { shift: round(c.shift), replays: c.replays, heldAtNominal: round(c.heldAtNominal), held: round(c.held) };
    })(),
  };
}

/** The breach prior a calibration records (Jeffreys for one without a prior, as before priors were recorded). */
function priorOfCalibration(c: Calibration): BreachPrior {
  const half = { conservative: 0.5, balanced: 0.5, aggressive: 0.5 };
  return { strength: c.priorStrength ?? 1, mean: { ...half, ...c.priorMean }, source: c.priorSource ?? 'replays', ...(c.priorHeadroomSlope ? { headroomSlope: c.priorHeadroomSlope } : {}) };
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
}
