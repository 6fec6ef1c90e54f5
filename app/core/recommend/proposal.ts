import { mergeEvidence, variantEvidence, isoTime } from '../evidence/index.js';
import { VARIANT_TYPES, type ErrorBudget, type Evidence, type HistoryPoint, type Proposal, type ProposalTrend, type SliKind, type Variant, type VariantType } from '../report.js';
import { availabilityQueries, latencyQueries } from '../sli/promql.js';
import { formatDuration } from '../time.js';
import type { ExemplarRef, WindowCounts } from '../types.js';
import { mixPredictive, pmfInterval, posteriorRate, type BreachEstimate } from './bootstrap.js';
import { widenInterval } from './burn.js';
import { CONFIDENCE_WEIGHTS, confidence, weeklyBadFractions } from './confidence.js';
import { sloIdFor, type EndpointContext } from './context.js';
import { riskOrderedWorst } from './headroom.js';
import { detectRegimeChange, type RegimeChange } from './regime.js';
import { MIN_REPLAYS, priorOf, replayScores, type BreachPrior, type ReplayScores } from './replay.js';
import { count, pct, seconds } from './text.js';
import type { FitWindow } from './threshold.js';
import { detectTrends, NO_PROJECTION, projectionAt, type ProbitCache, type Projection, type Trends } from './trend.js';
import { hasTrend, projectionMatters, trendNote } from './trend-note.js';
import { AVAILABILITY_BURN_CAP, blockLength, buildVariants, selectVariants, variantPoints, type Built } from './variants.js';
import { gapWarning, lowTrafficWarning, newEndpointWarning, regimeWarning, seasonalityWarning } from './warnings.js';

export interface Prepared {
  ctx: EndpointContext;
  kind: SliKind;
  sloId: string;
  fit: FitWindow[];
  regime: RegimeChange | null;
  built: Built[];
  replays: ReplayScores;
  /** The trend found on the fit windows and its warning, when there is one. */
  note: { trend: ProposalTrend; warning: string | null } | null;
}

/**
 * What the replays calibrated: the breach prior (app/core/recommend/replay.ts), the breach-interval
 * level per variant, and the log-scale stretch of the nominal burn interval.
 */
export interface Levels { prior: BreachPrior; breach: Record<VariantType, number>; burnShift: number }

/**
 * First half of a proposal: fit, variants ordered by risk, their predictive distributions and the
 * rolling-origin replays. The intervals are cut in `finishProposal`, once the replays of the whole
 * analysis have calibrated the level. null when that SLI has no data.
 */
export function prepareProposal(ctx: EndpointContext, kind: SliKind, trendCache: TrendCache = new Map()): Prepared | null {
  const { h } = ctx;
  const sloId = sloIdFor(ctx.sloBase, kind);
  let regime: RegimeChange | null = null;
  let fit: FitWindow[] = ctx.present.map((w, i) => ({ w, weight: ctx.weights[i]! }));
  let bounds: number[] = [];
  if (kind === 'latency') {
    const withLatency = ctx.present.filter((w) => w.latency && w.latency.thresholds.length > 0);
    if (withLatency.length === 0) return null;
    bounds = withLatency[withLatency.length - 1]!.latency!.thresholds;
    regime = detectRegimeChange(ctx.present, h.versions);
    // After a regime change the old behaviour is not evidence about the new one: fit on the recent
    // regime with equal weights. Otherwise recency weights fade old windows smoothly.
    if (regime) fit = ctx.present.slice(regime.fitFrom).map((w) => ({ w, weight: 1 }));
  }
  const o = ctx.o;
  // Trends beyond the daily and weekly cycles, projected to the middle of the next period.
  const all = trendsOf(ctx, trendCache, fit.map((f) => f.w), o.end);
  // Only what moves this SLI: latency trends for latency, error trends for availability (traffic for both).
  const trends = kind === 'latency' ? { ...all, errors: null } : { ...all, latency: null, elasticity: null, queue: null };
  const mids = (ws: FitWindow[]) => ws.map((f) => ({ mid: (f.w.start + f.w.end) / 2, weight: f.weight, w: f.w }));
  // One probit cache for every projection of this SLO (the fit's and each replay origin's): they read the same windows.
  const probits: ProbitCache = new Map();
  const mid = hasTrend(trends) ? projectionAt(trends, mids(fit), o.end + o.periodSeconds / 2, probits) : NO_PROJECTION;
  const built = buildVariants(ctx, kind, sloId, fit, bounds, mid);
  let note: Prepared['note'] = null;
  if (hasTrend(trends)) {
    const unprojected = projectionMatters(kind, mid)
      ? variantPoints(ctx, kind, sloId, fit, bounds, NO_PROJECTION)
      : null;
    note = trendNote({ kind, trends, fit, built, unprojected, periodEnd: o.end + o.periodSeconds, mid });
  }
  const check = blockLength(o.breachWindowSeconds) * o.breachWindowSeconds;
  const project = (ws: WindowCounts[], weights: number[], originEnd: number) => {
    const a = trendsOf(ctx, trendCache, ws, originEnd);
    const t = kind === 'latency' ? { ...a, errors: null } : { ...a, latency: null, elasticity: null, queue: null };
    return hasTrend(t) ? projectionAt(t, ws.map((w, i) => ({ mid: (w.start + w.end) / 2, weight: weights[i]!, w })), originEnd + check / 2, probits) : NO_PROJECTION;
  };
  const select = (ws: FitWindow[], proj: Projection) => selectVariants(ctx, kind, ws, bounds, proj);
  const replays = replayScores(o, sloId, fit.map((f) => f.w), regime !== null, select, project);
  return { ctx, kind, sloId, fit, regime, built, replays, note };
}

/**
 * Trends found for one endpoint, by the first start and the count of the fitted windows (always a run
 * of consecutive `ctx.present` windows, so those two name them) and the end of the hourly series read
 * with them. The latency and the availability SLO of an endpoint fit the same windows (unless a
 * regime change cut the latency fit) and replay the same origins, and detectTrends (with the queue fit
 * over every hour) was a good part of a trending endpoint's cost: with one cache for both SLOs, each is
 * computed once. recommendPart keeps one per endpoint and drops it after the endpoint's SLOs.
 */
export type TrendCache = Map<string, Trends>;

/** detectTrends(windows, the hourly series from the first window's start to `to`, replicas), once per cache and key. */
function trendsOf(ctx: EndpointContext, cache: TrendCache, windows: WindowCounts[], to: number): Trends {
  const from = windows[0]!.start;
  const key = `${from}|${windows.length}|${to}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const trends = detectTrends(windows, ctx.h.hourly?.filter((w) => w.start >= from && w.end <= to), ctx.h.replicas);
  cache.set(key, trends);
  return trends;
}

/** Second half: intervals at the calibrated levels, confidence, evidence, warnings. */
export function finishProposal(prep: Prepared, levels: Levels): Proposal {
  const { ctx, kind, sloId, fit, regime } = prep;
  const { o, h } = ctx;
  const bw = o.breachWindowSeconds;
  const worst = riskOrderedWorst(prep.built.map((b) => ({ type: b.type, worst: b.worstBurn })));
  const built = prep.built.map((b) => ({
    ...b,
    estimate: withPrior(b.estimate, b.borrowedPrior ? null : priorOf(levels.prior, b.type, worst.get(b.type)), ctx.periodWindows, levels.breach[b.type]),
    // b.burn.interval is the nominal-level interval (estimateBurn ran at o.intervalLevel); the calibration stretches it.
    burn: { ...b.burn, interval: widenInterval(b.burn.interval, levels.burnShift, b.burn.expected) },
  }));
  // Criticality (app/core/similar) may lean an endpoint's default variant; config pins win upstream.
  const wanted = o.selectedVariantFor?.(h.service, h.endpoint) ?? o.selectedVariant;
  const selected = built.find((b) => b.type === wanted) ?? built[1]!;
  const conf = confidence({
    medianTotal: ctx.medianTotal,
    target: selected.target,
    presentWindows: ctx.present.length,
    expectedWindows: ctx.expectedWindows,
    weeks: weeklyBadFractions(ctx.present, o.end, selected.badOf),
    interval: selected.estimate.interval,
  });
  const fitNote = regime ? `the ${fit.length} windows since the regime change` : `${fit.length} windows (recency-weighted, half-life ${formatDuration(o.halfLife)})`;
  const moved = built.filter((b) => Math.abs(levels.breach[b.type] - o.intervalLevel) > 1e-9);
  const calibrated = moved.length
    ? ` (cut at the ${moved.map((b) => `${pct(levels.breach[b.type])} (${b.type})`).join(', ')} quantile level, which held ${pct(o.intervalLevel)} of the rolling-origin replays on this history)`
    : '';
  const method = `${pct(o.intervalLevel)} predictive interval of the breached share of ${ctx.periodWindows} ${formatDuration(bw)} windows ` +
    `(one ${formatDuration(o.periodSeconds)} period)${calibrated}: moving-block bootstrap over windows (${blockLength(bw)}-window blocks, recency-weighted), ` +
    `${o.bootstrapDraws} draws; each resample's ${priorName(levels.prior)} posterior mixed exactly into a beta-binomial over the period`;

  // Each variant's queries and rationale are built once: the evidence and the proposal read the same ones.
  const queries = built.map((b) => (kind === 'latency' ? latencyQueries(ctx.source, b.threshold!) : availabilityQueries(ctx.source)));
  const rationales = built.map((b) => rationale(ctx, kind, b, fitNote, levels.prior.headroomSlope && !b.borrowedPrior ? worst.get(b.type) : undefined));
  const variants: Variant[] = built.map((b, i) => ({
    type: b.type,
    pValue: b.pValue,
    target: b.target,
    thresholdSeconds: b.threshold,
    budgetBurn: {
      expected: round(b.burn.expected, 4),
      interval: [round(b.burn.interval[0], 4), round(b.burn.interval[1], 4)],
      pastPeriods: b.pastPeriods.map((p) => ({ start: isoTime(p.start), end: isoTime(p.end), windows: p.windows, consumed: round(p.consumed, 4) })),
    },
    // Significant digits, not decimals: never-breached variants' rates are a few 10⁻⁵ and differ in the second digit.
    expectedBreachRate: significant(b.estimate.rate),
    breachRateInterval: [significant(b.estimate.interval[0]), significant(b.estimate.interval[1])],
    errorBudget: errorBudget(ctx, b.target),
    historicalCompliance: round(b.compliance, 5),
    rationale: rationales[i]!,
  }));

  const evidence: Evidence[] = [];
  for (const [i, b] of built.entries()) {
    evidence.push({ kind: 'computation', description: rationales[i]!, variants: [b.type], value: b.threshold ?? b.target });
    evidence.push(...variantEvidence({
      service: h.service,
      endpoint: h.endpoint,
      variant: b.type,
      targetFraction: b.target / 100,
      thresholdSeconds: b.threshold,
      queries: queries[i]!,
      windows: ctx.present,
      sliOf: b.sliOf,
      exemplars: h.exemplars ?? [],
      isBadExemplar: badExemplar(kind, b.threshold, ctx.source.statusLabel, ctx.source.errorStatusRegex),
      links: o.links,
    }));
  }
  if (regime) {
    evidence.push({
      kind: 'regime-change',
      description: `p90 latency moved from ${seconds(regime.before)} to ${seconds(regime.after)} (x${regime.ratio.toFixed(2)}, robust z = ${regime.score.toFixed(1)})` +
        `${regime.version ? ` when ${regime.version} was deployed` : ''}; fitted on windows from ${isoTime(fit[0]!.w.start)}`,
      start: isoTime(regime.at),
      value: regime.ratio,
    });
  }
  const c = conf.components;
  evidence.push({
    kind: 'computation',
    description: `confidence ${conf.value} = trafficVolume ${c.trafficVolume}^${CONFIDENCE_WEIGHTS.trafficVolume} x dataCoverage ${c.dataCoverage}^${CONFIDENCE_WEIGHTS.dataCoverage}` +
      ` x stability ${c.stability}^${CONFIDENCE_WEIGHTS.stability} x intervalWidth ${c.intervalWidth}^${CONFIDENCE_WEIGHTS.intervalWidth} (selected variant ${selected.type}; ` +
      `median ${count(ctx.medianTotal)} requests per window, ${ctx.present.length} of ${ctx.expectedWindows} windows with data)`,
    value: conf.value,
  });

  const warnings = [
    lowTrafficWarning(ctx.medianTotal, built.map((b) => ({ type: b.type, target: b.target })), bw),
    gapWarning(ctx.windows, ctx.analysisStart, o.end, bw),
    newEndpointWarning(ctx.present, ctx.analysisStart, o.end),
    regime && kind === 'latency' ? regimeWarning(regime, fit.length, bw) : null,
    prep.note?.warning ?? null,
    seasonalityWarning(ctx.present, bw, selected.badOf, selected.target),
    ...built.filter((b) => !b.choice.metGoal).map((b) => kind === 'latency'
      ? `No histogram bucket bound met the ${b.target}% target in ${pct(o.complianceGoals[b.type])} of windows (the ${b.type} goal); the largest finite bound ${seconds(b.threshold!)} is used and met it in ${pct(b.choice.compliance.share)}. Add larger buckets or use a lower percentile.`
      : `Availability: even ${b.target}% was met in only ${pct(b.choice.compliance.share)} of windows (the ${b.type} goal is ${pct(o.complianceGoals[b.type])}).`),
  ].filter((x): x is string => x !== null);

  const history: HistoryPoint[] = ctx.present.map((w) => ({
    start: isoTime(w.start),
    end: isoTime(w.end),
    total: w.total,
    sli: sliByVariant(built, w),
  }));

  return {
    sloId,
    service: h.service,
    endpoint: h.endpoint,
    sli: kind,
    selectedVariant: selected.type,
    confidence: conf.value,
    confidenceComponents: conf.components,
    warnings,
    variants,
    evidence: mergeEvidence(evidence),
    breachRateMethod: method,
    ...(prep.note ? { trend: prep.note.trend } : {}),
    queries: queries[built.indexOf(selected)]!,
    history,
  };
}

/** The predictive count pmf of one variant's breach interval and the quantile level the interval was cut at. */
export interface BreachPredictive {
  pmf: Float64Array;
  level: number;
  /** The fit's recency-weighted breached share and effective sample: a prior's posterior mean is (share·nEff + a) / (nEff + a + b). */
  share: number;
  nEff: number;
  /** The worst fitted window's budget burn the headroom prior used (risk-ordered). */
  worst: number;
}

/**
 * Each variant's predictive distribution of the breached-window count over the next period, as
 * `finishProposal` cuts the interval from it (calibrated prior and level). For scoring the interval
 * against outcomes: a count's point mass can then be split at the interval's ends (app/core/fleet).
 */
export function breachPredictives(prep: Prepared, levels: Levels): Partial<Record<VariantType, BreachPredictive>> {
  const out: Partial<Record<VariantType, BreachPredictive>> = {};
  const worst = riskOrderedWorst(prep.built.map((b) => ({ type: b.type, worst: b.worstBurn })));
  for (const b of prep.built) {
    const e = withPrior(b.estimate, b.borrowedPrior ? null : priorOf(levels.prior, b.type, worst.get(b.type)), prep.ctx.periodWindows, levels.breach[b.type]);
    out[b.type] = { pmf: e.predictive, level: levels.breach[b.type], share: e.weightedShare, nEff: e.effectiveN, worst: worst.get(b.type)! };
  }
  return out;
}

/** The prior named with where it came from: "Jeffreys Beta(0.5, 0.5)", "Beta(0.05, 0.05) (...)" or the reference's per-variant Betas. */
function priorName(p: BreachPrior): string {
  const symmetric = VARIANT_TYPES.every((t) => p.mean[t] === 0.5);
  if (symmetric && p.strength === 1 && p.source === 'replays') return 'Jeffreys Beta(0.5, 0.5) (it predicted the rolling-origin replays on this service best)';
  const betas = symmetric
    ? `Beta(${p.strength / 2}, ${p.strength / 2})`
    : p.headroomSlope
      ? `Beta(c·μ, c·(1 − μ)) with c = ${Number(p.strength.toPrecision(3))} and a mean μ that rises with how close the variant came: ` +
        `logit μ = logit μ_type + ${Number(p.headroomSlope.toPrecision(3))} · (w − 1), w = the worst fitted window's share of its error budget used (at most 1), ` +
        `μ_type ${VARIANT_TYPES.map((t) => `${t} ${pct(p.mean[t])}`).join(', ')}`
      : `Beta(a, b) per variant (${VARIANT_TYPES.map((t) => `${t} ${fmtBeta(priorOf(p, t))}`).join(', ')})`;
  return p.source === 'replays'
    ? `${betas} (chosen on the rolling-origin replays on this service)`
    : `${betas} (the reference prior fitted offline on synthetic fleets by bench/derive-breach-prior.ts: this service had too few rolling-origin replays, under ${MIN_REPLAYS}, to choose its own)`;
}

const fmtBeta = ({ a, b }: { a: number; b: number }) => `Beta(${Number(a.toPrecision(3))}, ${Number(b.toPrecision(3))})`;

/** The estimate under the calibrated prior (a borrowed prior is kept), cut at the calibrated level. */
function withPrior(e: BreachEstimate, prior: { a: number; b: number } | null, periodWindows: number, level: number): BreachEstimate {
  if (prior === null || e.windows === 0 || (e.prior.a === prior.a && e.prior.b === prior.b)) {
    return { ...e, interval: pmfInterval(e.predictive, level, e.rate) };
  }
  const { a, b } = prior;
  const rate = posteriorRate(e.weightedShare, e.effectiveN, a, b);
  const predictive = mixPredictive(e.resampled, e.effectiveN, Math.max(1, Math.round(periodWindows)), a, b);
  return { ...e, rate, predictive, prior: { a, b }, interval: pmfInterval(predictive, level, rate) };
}

function errorBudget(ctx: EndpointContext, targetPct: number): ErrorBudget {
  const bad = 1 - targetPct / 100;
  const bw = ctx.o.breachWindowSeconds;
  return {
    badFraction: round(bad, 6),
    requestsPerWindow: round(bad * ctx.medianTotal, 2),
    requestsPerPeriod: round(bad * ctx.meanTotal * ctx.periodWindows, 2),
    minutesPerWindow: round((bad * bw) / 60, 2),
    minutesPerPeriod: round((bad * ctx.o.periodSeconds) / 60, 2),
  };
}

/** `worst`: the (risk-ordered) worst window burn the headroom prior used, when it used one. */
function rationale(ctx: EndpointContext, kind: SliKind, b: Built, fitNote: string, worst?: number): string {
  const goal = pct(ctx.o.complianceGoals[b.type]);
  const c = b.choice;
  let how: string;
  if (b.loosenedFor) {
    const what = kind === 'latency' ? `${seconds(b.threshold!)} for ${b.target}% of requests` : `${b.target}%`;
    const from = kind === 'latency' ? seconds(b.loosenedFor.from) : `${b.loosenedFor.from}%`;
    how = `${what} is the tightest choice at which this variant is no riskier than the ${b.loosenedFor.type} one (lower or equal expected breach rate and budget burn); ` +
      `its goal of ${goal} alone picked ${from}. It was met in ${pct(c.compliance.share)} of ${fitNote}.`;
  } else if (kind === 'latency') {
    how = c.metGoal
      ? `${seconds(b.threshold!)} is the smallest histogram bucket bound at which at least ${b.target}% of requests were faster in ${pct(c.compliance.share)} of ${fitNote}, against a goal of ${goal}` +
        (c.tighter ? `; the next bound down, ${seconds(c.tighter.value)}, met it in only ${pct(c.tighter.compliance.share)}.` : '; it is the smallest bound there is.')
      : `no bucket bound met ${b.target}% in ${goal} of ${fitNote}; the largest finite bound ${seconds(b.threshold!)} met it in ${pct(c.compliance.share)}.`;
  } else {
    how = c.metGoal
      ? `${b.target}% is the strictest objective on the ladder (…, 99.95, 99.94, …, 99.9, 99.8, …) that the observed availability met in ${pct(c.compliance.share)} of ${fitNote} (goal ${goal}) ` +
        `with an expected burn of at most ${pct(AVAILABILITY_BURN_CAP[b.type])} of its budget` +
        (c.tighter ? `; ${c.tighter.value}% was met in ${pct(c.tighter.compliance.share)} of windows.` : '.')
      : `no objective on the ladder was met in ${goal} of ${fitNote} within a ${pct(AVAILABILITY_BURN_CAP[b.type])} expected burn; the loosest, ${b.target}%, was met in ${pct(c.compliance.share)}.`;
  }
  const e = b.estimate;
  const breach = `Expected breach rate ${pct(e.rate)}: ${b.borrowedPrior ? 'posterior mean under the borrowed prior' : `${e.prior.a === 0.5 && e.prior.b === 0.5 ? 'Jeffreys Beta(0.5, 0.5)' : fmtBeta(e.prior)} posterior mean`}` +
    (worst === undefined ? '' : ` (prior mean ${pct(e.prior.a / (e.prior.a + e.prior.b))} for a worst fitted window at ${worst >= 1 ? 'or over 100%' : pct(worst)} of its error budget)`) +
    ` for ${e.breaches} breached of ${e.windows} windows ` +
    `(effective sample ${e.effectiveN.toFixed(1)} after weighting); interval [${pct(e.interval[0])}, ${pct(e.interval[1])}]. ` +
    `Historically met in ${pct(b.compliance)} of all ${ctx.present.length} windows. ` +
    `Expected error-budget burn ${pct(b.burn.expected)} of the budget per period, interval [${pct(b.burn.interval[0])}, ${pct(b.burn.interval[1])}] ` +
    `(recency-weighted bad share / (1 − target); interval by moving-block bootstrap of whole periods)` +
    (b.pastPeriods.length ? `; past periods consumed ${b.pastPeriods.map((p) => pct(p.consumed)).join(', ')} (newest first).` : '.');
  return `${how[0]!.toUpperCase()}${how.slice(1)} ${breach}`;
}

function badExemplar(kind: SliKind, threshold: number | null, statusLabel: string, errorRegex: string): (e: ExemplarRef) => boolean {
  // A latency exemplar backs a latency number only if its duration is known and over the threshold.
  if (kind === 'latency') return (e) => e.value !== undefined && e.value > threshold!;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${errorRegex})$`);
  } catch {
    re = /^5\d\d$/;
  }
  return (e) => {
    const status = e.labels?.[statusLabel];
    return status !== undefined && re.test(status);
  };
}

/** Each variant's SLI of a window, keyed in the variants' order (as Object.fromEntries over them would, without its pairs). */
function sliByVariant(built: Built[], w: WindowCounts): Record<VariantType, number | null> {
  const out: Partial<Record<VariantType, number | null>> = {};
  for (const b of built) out[b.type] = nullableRound(b.sliOf(w));
  return out as Record<VariantType, number | null>;
}

/** Five significant digits (3/28 reads 0.10714, as five decimals did; 4.123e-5 is no longer 4e-5). */
function significant(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(5));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function nullableRound(x: number | null): number | null {
  return x === null ? null : round(x, 6);
}
