import { mergeEvidence, variantEvidence, isoTime } from '../evidence/index.js';
import { VARIANT_TYPES, type ErrorBudget, type Evidence, type HistoryPoint, type Proposal, type SliKind, type Variant, type VariantType } from '../report.js';
import { availabilityQueries, latencyQueries } from '../sli/promql.js';
import { fastRng, hashSeed } from '../sli/stats.js';
import { availabilitySli, goodAtThreshold, latencySli } from '../sli/window.js';
import { formatDuration } from '../time.js';
import type { ExemplarRef, WindowCounts } from '../types.js';
import { estimateBreachRate, type BreachEstimate } from './bootstrap.js';
import { CONFIDENCE_WEIGHTS, confidence, weeklyBadFractions } from './confidence.js';
import { sloIdFor, type EndpointContext } from './context.js';
import { detectRegimeChange, type RegimeChange } from './regime.js';
import { count, pct, seconds } from './text.js';
import { availabilityCandidates, chooseTightest, weightedCompliance, type FitWindow, type ThresholdChoice } from './threshold.js';
import { gapWarning, lowTrafficWarning, newEndpointWarning, regimeWarning, seasonalityWarning } from './warnings.js';

interface Built {
  type: VariantType;
  pValue: number;
  target: number;
  threshold: number | null;
  choice: ThresholdChoice<number>;
  capped?: boolean;
  sliOf: (w: WindowCounts) => number | null;
  badOf: (w: WindowCounts) => number | null;
  estimate: BreachEstimate;
  compliance: number;
}

/** One proposal (latency or availability) for an endpoint, or null when that SLI has no data. */
export function buildProposal(ctx: EndpointContext, kind: SliKind): Proposal | null {
  const { o, h } = ctx;
  const bw = o.breachWindowSeconds;
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

  const built: Built[] = [];
  for (const type of VARIANT_TYPES) {
    const pValue = o.percentiles[type];
    const goal = o.complianceGoals[type];
    if (kind === 'latency') {
      const choice = chooseTightest(bounds, (b) => weightedCompliance(fit, (w) => latencySli(w, b), pValue / 100), goal);
      built.push(finish(ctx, sloId, fit, { type, pValue, target: pValue, threshold: choice.value, choice }, kind));
    } else {
      let choice = chooseTightest(availabilityCandidates(pValue), (t) => weightedCompliance(fit, availabilitySli, t / 100), goal);
      let capped = false;
      const prev = built[built.length - 1];
      // Keep targets ordered like the percentiles: a looser variant never promises more than a stricter one.
      if (prev && o.percentiles[prev.type] >= pValue && choice.value > prev.target) {
        choice = { value: prev.target, compliance: weightedCompliance(fit, availabilitySli, prev.target / 100), metGoal: true };
        capped = true;
      }
      built.push(finish(ctx, sloId, fit, { type, pValue, target: choice.value, threshold: null, choice, capped }, kind));
    }
  }

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
  const method = `${pct(o.intervalLevel)} predictive interval of the breached share of ${ctx.periodWindows} ${formatDuration(bw)} windows ` +
    `(one ${formatDuration(o.periodSeconds)} period): moving-block bootstrap over windows (${blockLength(bw)}-window blocks, recency-weighted), ` +
    `${o.bootstrapDraws} draws; each resample's Jeffreys Beta posterior mixed exactly into a beta-binomial over the period`;

  const queriesFor = (b: Built) => (kind === 'latency' ? latencyQueries(ctx.source, b.threshold!) : availabilityQueries(ctx.source));
  const variants: Variant[] = built.map((b) => ({
    type: b.type,
    pValue: b.pValue,
    target: b.target,
    thresholdSeconds: b.threshold,
    expectedBreachRate: round(b.estimate.rate, 5),
    breachRateInterval: [round(b.estimate.interval[0], 5), round(b.estimate.interval[1], 5)],
    errorBudget: errorBudget(ctx, b.target),
    historicalCompliance: round(b.compliance, 5),
    rationale: rationale(ctx, kind, b, fitNote),
  }));

  const evidence: Evidence[] = [];
  for (const b of built) {
    evidence.push({ kind: 'computation', description: rationale(ctx, kind, b, fitNote), variants: [b.type], value: b.threshold ?? b.target });
    evidence.push(...variantEvidence({
      service: h.service,
      endpoint: h.endpoint,
      variant: b.type,
      targetFraction: b.target / 100,
      thresholdSeconds: b.threshold,
      queries: queriesFor(b),
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
    seasonalityWarning(ctx.present, bw, selected.badOf, selected.target),
    ...built.filter((b) => !b.choice.metGoal).map((b) => kind === 'latency'
      ? `No histogram bucket bound met the ${b.target}% target in ${pct(o.complianceGoals[b.type])} of windows (the ${b.type} goal); the largest finite bound ${seconds(b.threshold!)} is used and met it in ${pct(b.choice.compliance.share)}. Add larger buckets or use a lower percentile.`
      : `Availability: even ${b.target}% was met in only ${pct(b.choice.compliance.share)} of windows (the ${b.type} goal is ${pct(o.complianceGoals[b.type])}).`),
  ].filter((x): x is string => x !== null);

  const history: HistoryPoint[] = ctx.present.map((w) => ({
    start: isoTime(w.start),
    end: isoTime(w.end),
    total: w.total,
    sli: Object.fromEntries(built.map((b) => [b.type, nullableRound(b.sliOf(w))])) as Record<VariantType, number | null>,
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
    queries: queriesFor(selected),
    history,
  };
}

function finish(ctx: EndpointContext, sloId: string, fit: FitWindow[], b: Omit<Built, 'sliOf' | 'badOf' | 'estimate' | 'compliance'>, kind: SliKind): Built {
  const prior = ctx.o.breachPriorFor?.(ctx.h.service, ctx.h.endpoint, kind, b.type);
  const thr = b.threshold;
  const sliOf = thr === null ? availabilitySli : (w: WindowCounts) => latencySli(w, thr);
  const badOf = thr === null
    ? (w: WindowCounts) => (w.total > 0 ? w.errors : null)
    : (w: WindowCounts) => {
        const good = goodAtThreshold(w, thr);
        return good === null ? null : w.total - good;
      };
  const tf = b.target / 100 - 1e-12;
  const breached: boolean[] = [];
  const weights: number[] = [];
  for (const f of fit) {
    const sli = sliOf(f.w);
    if (sli === null) continue;
    breached.push(sli < tf);
    weights.push(f.weight);
  }
  const estimate = estimateBreachRate({
    breached,
    weights,
    periodWindows: ctx.periodWindows,
    draws: ctx.o.bootstrapDraws,
    level: ctx.o.intervalLevel,
    blockLength: blockLength(ctx.o.breachWindowSeconds),
    // Seeded per SLO and variant: the result does not depend on which other endpoints were analysed.
    rng: fastRng(hashSeed(ctx.o.seed, sloId, b.type)),
    ...(prior ? { prior } : {}),
  });
  let met = 0;
  let measured = 0;
  for (const w of ctx.present) {
    const sli = sliOf(w);
    if (sli === null) continue;
    measured++;
    if (sli >= tf) met++;
  }
  return { ...b, sliOf, badOf, estimate, compliance: measured > 0 ? met / measured : 0 };
}

/** A week of windows per block keeps the weekly cycle inside each resampled block. */
function blockLength(bw: number): number {
  return Math.max(1, Math.round((7 * 86_400) / bw));
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

function rationale(ctx: EndpointContext, kind: SliKind, b: Built, fitNote: string): string {
  const goal = pct(ctx.o.complianceGoals[b.type]);
  const c = b.choice;
  let how: string;
  if (kind === 'latency') {
    how = c.metGoal
      ? `${seconds(b.threshold!)} is the smallest histogram bucket bound at which at least ${b.target}% of requests were faster in ${pct(c.compliance.share)} of ${fitNote}, against a goal of ${goal}` +
        (c.tighter ? `; the next bound down, ${seconds(c.tighter.value)}, met it in only ${pct(c.tighter.compliance.share)}.` : '; it is the smallest bound there is.')
      : `no bucket bound met ${b.target}% in ${goal} of ${fitNote}; the largest finite bound ${seconds(b.threshold!)} met it in ${pct(c.compliance.share)}.`;
  } else if (b.capped) {
    how = `${b.target}% is capped at the stricter variant's target so the variants stay ordered; it was met in ${pct(c.compliance.share)} of ${fitNote}.`;
  } else if (b.target === b.pValue) {
    how = `${b.target}% of requests were not errors in ${pct(c.compliance.share)} of ${fitNote}, against a goal of ${goal}.`;
  } else {
    how = `the configured ${b.pValue}% was met in too few windows (${c.tighter ? pct(c.tighter.compliance.share) + ' at ' + c.tighter.value + '%' : 'below the goal'}); ` +
      `${b.target}% is the highest conventional objective met in ${pct(c.compliance.share)} of ${fitNote}, against a goal of ${goal}.`;
  }
  const e = b.estimate;
  const breach = `Expected breach rate ${pct(e.rate)}: Jeffreys posterior mean for ${e.breaches} breached of ${e.windows} windows ` +
    `(effective sample ${e.effectiveN.toFixed(1)} after weighting); interval [${pct(e.interval[0])}, ${pct(e.interval[1])}]. ` +
    `Historically met in ${pct(b.compliance)} of all ${ctx.present.length} windows.`;
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

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function nullableRound(x: number | null): number | null {
  return x === null ? null : round(x, 6);
}
