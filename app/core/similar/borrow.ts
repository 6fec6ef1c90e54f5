/**
 * Priors borrowed from similar endpoints (empirical Bayes). A new or low-traffic endpoint has few
 * windows, so its breach rate rests on a handful of observations and its interval is wide. Its
 * neighbours — similar by name and behaviour, in the same service or the fleet — each have a
 * breach share for the same SLI and variant. Their similarity- and volume-weighted mean and spread
 * give a Beta prior (method of moments, as in Efron's empirical Bayes), which replaces Jeffreys'
 * Beta(½, ½) for that endpoint only. Endpoints with enough data are left alone.
 */
import type { Borrowed } from '../ai-report.js';
import type { Proposal, SliKind, VariantType } from '../report.js';
import type { BreachPrior } from '../recommend/options.js';
import { similarity, type Candidate, type SimilarityWeights, DEFAULT_SIMILARITY } from './profile.js';

export interface BorrowOptions {
  /** Neighbours that lend (default 8). */
  k: number;
  /** Neighbours below this similarity lend nothing (default 0.35). */
  minSimilarity: number;
  /** A prior never counts for more windows than this (default 14: half a 28-day period). */
  maxPriorWindows: number;
  /** Borrow when the endpoint has fewer windows than this share of the expected (default 0.5: new). */
  newShare: number;
  /** Or when its median requests per window are under this (default 2000: low traffic). */
  lowTraffic: number;
  weights: SimilarityWeights;
}

export const DEFAULT_BORROW: BorrowOptions = { k: 8, minSimilarity: 0.35, maxPriorWindows: 14, newShare: 0.5, lowTraffic: 2000, weights: DEFAULT_SIMILARITY };

/** One lender's evidence for one (SLI, variant): breached windows of its own proposal at its own target. */
export interface LenderStat { breached: number; windows: number }

/** Breached/measured windows per variant from a proposal's history (what the lender's own fit saw). */
export function lenderStats(p: Proposal): Map<VariantType, LenderStat> {
  const out = new Map<VariantType, LenderStat>();
  for (const v of p.variants) {
    let breached = 0;
    let windows = 0;
    for (const h of p.history ?? []) {
      const sli = h.sli[v.type];
      if (sli === null || sli === undefined) continue;
      windows++;
      if (sli < v.target / 100 - 1e-12) breached++;
    }
    out.set(v.type, { breached, windows });
  }
  return out;
}

export interface Lender { candidate: Candidate; stats: Map<SliKind, Map<VariantType, LenderStat>> }

export interface Borrowing {
  prior: BreachPrior;
  borrowed: Borrowed;
}

/** Why an endpoint borrows, or null when it has enough of its own data. */
export function needsBorrowing(c: Candidate, expectedWindows: number, o: BorrowOptions = DEFAULT_BORROW): string | null {
  const isNew = c.profile.windows < o.newShare * expectedWindows;
  const low = 10 ** c.profile.logTraffic - 1 < o.lowTraffic;
  if (isNew && low) return `new (${c.profile.windows} of ${expectedWindows} windows) and low traffic`;
  if (isNew) return `new (${c.profile.windows} of ${expectedWindows} windows)`;
  if (low) return `low traffic (median ${Math.round(10 ** c.profile.logTraffic - 1)} requests per window)`;
  return null;
}

/**
 * The borrowed Beta prior for one endpoint, SLI and variant, or undefined when no neighbour is
 * similar enough. Weights: similarity × n/(n + 7), so a lender with one week of windows counts half
 * as much as a lender with many. Strength: m(1 − m)/τ² − 1 from the between-lender variance τ²
 * beyond binomial noise, capped at maxPriorWindows and scaled by the mean similarity.
 */
export function borrowFor(target: Candidate, because: string, lenders: readonly Lender[], sli: SliKind, variant: VariantType, o: BorrowOptions = DEFAULT_BORROW): Borrowing | undefined {
  const scored: Array<{ l: Lender; s: number; st: LenderStat; w: number }> = [];
  for (const l of lenders) {
    if (l.candidate.service === target.service && l.candidate.endpoint === target.endpoint) continue;
    const st = l.stats.get(sli)?.get(variant);
    if (!st || st.windows < 7) continue;
    const s = similarity(target, l.candidate, o.weights);
    if (s < o.minSimilarity) continue;
    scored.push({ l, s, st, w: s * (st.windows / (st.windows + 7)) });
  }
  scored.sort((a, b) => b.s - a.s);
  const top = scored.slice(0, o.k);
  if (top.length < 2) return undefined;
  const sw = top.reduce((a, x) => a + x.w, 0);
  const rate = (x: LenderStat) => (x.breached + 0.5) / (x.windows + 1);
  const m = top.reduce((a, x) => a + x.w * rate(x.st), 0) / sw;
  const spread = top.reduce((a, x) => a + x.w * (rate(x.st) - m) ** 2, 0) / sw;
  const noise = top.reduce((a, x) => a + x.w * (m * (1 - m)) / (x.st.windows + 1), 0) / sw;
  const tau2 = Math.max(spread - noise, 1e-6);
  const meanSim = top.reduce((a, x) => a + x.s, 0) / top.length;
  const strength = Math.max(1, Math.min(o.maxPriorWindows, (m * (1 - m)) / tau2 - 1)) * meanSim;
  const own = target.profile.windows;
  return {
    prior: { a: Math.max(0.05, strength * m), b: Math.max(0.05, strength * (1 - m)) },
    borrowed: {
      because,
      priorWindows: round(strength, 2),
      share: round(strength / (strength + own), 3),
      from: top.map((x) => ({ service: x.l.candidate.service, endpoint: x.l.candidate.endpoint, similarity: round(x.s, 3), weight: round(x.w / sw, 3) })),
    },
  };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
