/**
 * The recommendation engine (pure): per endpoint, a latency and an availability SLO proposal,
 * each with three variants, breach-rate intervals, confidence, warnings and evidence.
 * See docs/recommendation.md for the model.
 */
import type { Calibration, Proposal } from '../report.js';
import type { EndpointHistory } from '../types.js';
import { endpointContext } from './context.js';
import { resolveOptions, type RecommendOptions } from './options.js';
import { finishProposal, prepareProposal, type Prepared } from './proposal.js';
import { calibrateLevel, calibrateScale } from './replay.js';

export type { RecommendOptions } from './options.js';
export { DEFAULT_PERCENTILES, DEFAULT_COMPLIANCE_GOALS, DEFAULT_EXCLUDE } from './options.js';
export { slug, sloIdFor } from './context.js';
export { detectRegimeChange, type RegimeChange } from './regime.js';
export { estimateBreachRate } from './bootstrap.js';

export interface RecommendResult {
  proposals: Proposal[];
  skipped: Array<{ service: string; endpoint: string | null; reason: string }>;
  /** How the intervals were calibrated on this history (rolling-origin replays, split conformal). */
  calibration: Calibration;
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
  const calibration = calibrationOf(prepared, o.intervalLevel);
  const levels = { breach: calibration.breach.level, burnShift: calibration.burn.shift };
  return { proposals: prepared.map((p) => finishProposal(p, levels)), skipped, calibration };
}

/** Pools every SLO's and variant's replay scores (split conformal needs many; one SLO has a few weeks). */
export function calibrationOf(prepared: Prepared[], nominal: number): Calibration {
  const replays = prepared.flatMap((p) => p.replays);
  const from = Math.min(...replays.map((r) => r.from));
  const to = Math.max(...replays.map((r) => r.to));
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  const level = (scores: number[]) => {
    const c = calibrateLevel(scores, nominal);
    return { level: round(c.level), replays: c.replays, heldAtNominal: round(c.heldAtNominal), held: round(c.held) };
  };
  return {
    nominalLevel: nominal,
    method: 'rolling-origin replay on the analysed history (fit on the windows before each weekly origin, check the next week), pooled over every SLO and variant; split-conformal level',
    ...(Number.isFinite(from) && Number.isFinite(to) ? { from: iso(from), to: iso(to), weeks: Math.round((to - from) / (7 * 86_400)) } : {}),
    breach: level(replays.flatMap((r) => r.breach)),
    burn: (() => {
      const c = calibrateScale(replays.flatMap((r) => r.burn), nominal);
      return { shift: round(c.shift), replays: c.replays, heldAtNominal: round(c.heldAtNominal), held: round(c.held) };
    })(),
  };
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
}
