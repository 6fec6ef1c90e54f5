/**
 * The recommendation engine (pure): per endpoint, a latency and an availability SLO proposal,
 * each with three variants, breach-rate intervals, confidence, warnings and evidence.
 * See docs/recommendation.md for the model.
 */
import type { Calibration, Proposal } from '../report.js';
import type { EndpointHistory } from '../types.js';
import { endpointContext } from './context.js';
import { resolveOptions, type RecommendOptions } from './options.js';
import { breachPredictives, finishProposal, prepareProposal, type BreachPredictive, type Levels, type Prepared } from './proposal.js';
import { calibrateBreach, calibrateScale, MIN_REPLAYS, type BreachPrior, type CalibratedLevel } from './replay.js';
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
  const o = resolveOptions(options);
  const prepared: Prepared[] = [];
  const skipped: RecommendResult['skipped'] = [];
  for (const h of histories) {
    options.checkpoint?.();
    const ctx = endpointContext(h, o);
    if ('skip' in ctx) {
      skipped.push({ service: h.service, endpoint: h.endpoint, reason: ctx.skip });
      continue;
    }
    for (const kind of ['latency', 'availability'] as const) {
      const p = prepareProposal(ctx, kind);
      if (p) prepared.push(p);
    }
  }
  // Calibrated per service: pooling across the fleet would let one service's new data move every
  // other service's intervals, so each per-service PR would change on every rerun (issue 10). A
  // service still pools all its SLOs and variants; the fleet-wide figure is kept for the summary.
  const byService = new Map<string, Prepared[]>();
  for (const p of prepared) byService.set(p.ctx.h.service, [...(byService.get(p.ctx.h.service) ?? []), p]);
  const calibrationByService: Record<string, Calibration> = {};
  const proposals = new Map<Prepared, Proposal>();
  const predictive: NonNullable<RecommendResult['predictive']> = {};
  for (const [service, group] of byService) {
    const c = calibrationOf(group, o.intervalLevel);
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
  return { proposals: prepared.map((p) => proposals.get(p)!), skipped, calibration: calibrationOf(prepared, o.intervalLevel), calibrationByService, predictive };
}

/** Pools every SLO's and variant's replay scores (split conformal needs many; one SLO has a few weeks). */
export function calibrationOf(prepared: Prepared[], nominal: number): Calibration {
  const replays = prepared.map((p) => p.replays);
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
