/**
 * Recommendation with borrowed priors: a first pass over every endpoint, then the thin ones (new or
 * low traffic) are recommended again with a Beta prior borrowed from their most similar neighbours'
 * first-pass breach shares. The recommender itself only sees a `breachPriorFor` hook.
 */
import type { Evidence, Proposal, SliKind, VariantType } from '../report.js';
import { recommend, type RecommendOptions, type RecommendResult } from '../recommend/index.js';
import type { BreachPrior } from '../recommend/options.js';
import type { EndpointHistory } from '../types.js';
import type { Vector } from '../vectors/index.js';
import { borrowFor, DEFAULT_BORROW, lenderStats, needsBorrowing, type BorrowOptions, type Borrowing, type Lender } from './borrow.js';
import { candidateOf } from './profile.js';

export { borrowFor, lenderStats, needsBorrowing, DEFAULT_BORROW, type BorrowOptions, type Borrowing, type Lender, type LenderStat } from './borrow.js';
export { candidateOf, profileOf, profileSimilarity, similarity, DEFAULT_SIMILARITY, type Candidate, type Profile, type SimilarityWeights } from './profile.js';

const key = (service: string, endpoint: string | null) => `${service}\u0000${endpoint ?? ''}`;

export interface BorrowResult extends RecommendResult {
  /** Endpoints that borrowed, by "service\0endpoint". */
  borrowers: number;
}

/**
 * `names` holds one name embedding per endpoint (same model for all); an endpoint without one
 * neither lends nor borrows.
 */
export function recommendWithBorrowing(histories: EndpointHistory[], options: RecommendOptions, names: ReadonlyMap<string, Vector>, o: BorrowOptions = DEFAULT_BORROW): BorrowResult {
  const first = recommend(histories, options);
  const plan = borrowingPlan(histories, options, names, first, o);
  if (plan.thin.length === 0) return { ...first, borrowers: 0 };
  const second = recommend(plan.thin, { ...options, breachPriorFor: (service, endpoint, sli: SliKind, variant: VariantType) => plan.priorOf(service, endpoint, sli, variant) });
  return withBorrowing(first, second, plan);
}

/** Who borrows what, from recommend's first pass over every endpoint: the thin endpoints and their priors. */
export interface BorrowingPlan {
  /** The histories to recommend again with the borrowed priors, in the fleet's order. */
  thin: EndpointHistory[];
  plans: Map<string, Map<string, Borrowing>>;
  priorOf(service: string, endpoint: string | null, sli: SliKind, variant: VariantType): BreachPrior | undefined;
}

/** recommendWithBorrowing's middle step, for callers that run the two recommend passes elsewhere (the compute pool). */
export function borrowingPlan(histories: EndpointHistory[], options: RecommendOptions, names: ReadonlyMap<string, Vector>, first: RecommendResult, o: BorrowOptions = DEFAULT_BORROW): BorrowingPlan {
  const start = options.end - options.windowSeconds;
  const expected = Math.round(options.windowSeconds / options.breachWindowSeconds);
  const inRange = (h: EndpointHistory) => ({ ...h, windows: h.windows.filter((w) => w.start >= start - 1e-6 && w.end <= options.end + 1e-6) });

  const lenders = new Map<string, Lender>();
  const byKey = new Map(histories.map((h) => [key(h.service, h.endpoint), h]));
  for (const p of first.proposals) {
    const k = key(p.service, p.endpoint);
    const name = names.get(k);
    const h = byKey.get(k);
    if (!name || !h) continue;
    const l = lenders.get(k) ?? { candidate: candidateOf(inRange(h), name), stats: new Map() };
    l.stats.set(p.sli, lenderStats(p));
    lenders.set(k, l);
  }
  const plans = new Map<string, Map<string, Borrowing>>();
  const thin: EndpointHistory[] = [];
  for (const h of histories) {
    const l = lenders.get(key(h.service, h.endpoint));
    if (!l) continue;
    const because = needsBorrowing(l.candidate, expected, o);
    if (!because) continue;
    const plan = new Map<string, Borrowing>();
    for (const sli of l.stats.keys()) {
      for (const variant of l.stats.get(sli)!.keys()) {
        const b = borrowFor(l.candidate, because, [...lenders.values()], sli, variant, o);
        if (b) plan.set(`${sli}/${variant}`, b);
      }
    }
    if (plan.size) {
      plans.set(key(h.service, h.endpoint), plan);
      thin.push(h);
    }
  }
  return { thin, plans, priorOf: (service, endpoint, sli, variant) => plans.get(key(service, endpoint))?.get(`${sli}/${variant}`)?.prior };
}

/** The first pass's result with the thin endpoints' proposals replaced by the second pass's, annotated. */
export function withBorrowing(first: RecommendResult, second: RecommendResult, plan: BorrowingPlan): BorrowResult {
  const { plans } = plan;
  const redone = new Map(second.proposals.map((p) => [`${key(p.service, p.endpoint)}/${p.sli}`, p]));
  const proposals = first.proposals.map((p) => {
    const again = redone.get(`${key(p.service, p.endpoint)}/${p.sli}`);
    if (!again) return p;
    const b = plans.get(key(p.service, p.endpoint))?.get(`${p.sli}/${again.selectedVariant}`);
    return b ? annotate(again, b) : again;
  });
  return { proposals, skipped: first.skipped, calibration: first.calibration, calibrationByService: first.calibrationByService, borrowers: plans.size };
}

function annotate(p: Proposal, b: Borrowing): Proposal {
  const from = b.borrowed.from.slice(0, 3).map((f) => `${f.service} ${f.endpoint ?? '(service)'} (similarity ${f.similarity.toFixed(2)}, ${Math.round(f.weight * 100)}%)`).join(', ');
  const more = b.borrowed.from.length > 3 ? ` and ${b.borrowed.from.length - 3} more` : '';
  const e: Evidence = {
    kind: 'computation',
    description: `Breach-rate prior borrowed from similar endpoints because this one is ${b.borrowed.because}: Beta(${b.prior.a.toFixed(2)}, ${b.prior.b.toFixed(2)}), ` +
      `worth ${b.borrowed.priorWindows} windows (${Math.round(b.borrowed.share * 100)}% of the ${p.selectedVariant} estimate), from ${from}${more}.`,
    variants: [p.selectedVariant],
    value: b.borrowed.share,
  };
  return { ...p, borrowed: b.borrowed, evidence: [...p.evidence, e] };
}
