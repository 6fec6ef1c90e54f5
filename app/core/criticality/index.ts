/**
 * Criticality (pure): critical / standard / low per endpoint, from what the repository states
 * (Backstage catalog tier, OpenAPI x-criticality, config) or else from the nearest labelled
 * exemplars in embedding space (similarity-weighted k-nearest-neighbour vote). Vectors come in;
 * nothing here embeds or reads files.
 */
import type { Criticality, CriticalityLabel } from '../ai-report.js';
import type { VariantType } from '../report.js';
import { topK, type Vector } from '../vectors/index.js';

export const LABEL_RANK: Record<CriticalityLabel, number> = { critical: 0, standard: 1, low: 2 };

export interface Exemplar {
  service: string;
  route: string;
  method?: string;
  label: CriticalityLabel;
  vector: Vector;
}

/** The text embedded for an endpoint or exemplar: same shape on both sides so they compare. */
export function endpointText(e: { service: string; route: string | null; method?: string | undefined; description?: string | undefined; tags?: readonly string[] | undefined }): string {
  const parts = [e.service, e.method?.toUpperCase(), e.route ?? '(whole service)', e.description, e.tags?.join(' ')];
  return parts.filter((p) => p !== undefined && p !== '').join(' ').slice(0, 1_000);
}

export interface NearestOptions {
  /** Neighbours that vote (default 7). */
  k?: number;
  /** Below this best similarity nothing is "like" the endpoint: the default label applies (default 0.2). */
  minSimilarity?: number;
  /** Sharpens the vote toward the closest neighbours: weight = similarity^power (default 3). */
  power?: number;
}

export function nearestLabel(q: Vector, exemplars: readonly Exemplar[], o: NearestOptions = {}): Criticality {
  const k = o.k ?? 7;
  const near = topK(q, exemplars.map((e) => e.vector), k);
  const best = near[0];
  if (!best || best.similarity < (o.minSimilarity ?? 0.2)) {
    return { label: 'standard', score: 0, source: 'default', reason: best ? `no labelled endpoint is similar enough (best ${best.similarity.toFixed(2)}); standard by default` : 'no exemplars; standard by default', neighbours: [] };
  }
  const votes: Record<CriticalityLabel, number> = { critical: 0, standard: 0, low: 0 };
  let total = 0;
  for (const n of near) {
    const w = Math.max(0, n.similarity) ** (o.power ?? 3);
    votes[exemplars[n.index]!.label] += w;
    total += w;
  }
  // Ties go to the more critical label: mislabelling a payment route "low" costs more than the reverse.
  const label = (Object.keys(votes) as CriticalityLabel[]).reduce((a, b) => (votes[b] > votes[a] + 1e-12 ? b : a));
  const neighbours = near.map((n) => {
    const e = exemplars[n.index]!;
    return { service: e.service, route: e.method ? `${e.method} ${e.route}` : e.route, label: e.label, similarity: round(n.similarity) };
  });
  const alike = neighbours.filter((n) => n.label === label).slice(0, 2);
  return {
    label,
    score: round(total > 0 ? votes[label] / total : 0),
    source: 'exemplars',
    reason: `like ${alike.map((n) => `${n.service} ${n.route}`).join(' and ')} (${alike[0]!.similarity.toFixed(2)})`,
    neighbours,
  };
}

/** Words people put in catalog tiers, OpenAPI extensions and labels, mapped onto the three labels. */
export function labelFromWord(word: string | undefined): CriticalityLabel | undefined {
  if (!word) return undefined;
  const w = word.trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (/^(critical|mission-critical|business-critical|tier-?[01]|t[01]|p0|sev-?1|high|gold|platinum)$/.test(w)) return 'critical';
  if (/^(standard|normal|medium|default|tier-?2|t2|p1|p2|silver|production)$/.test(w)) return 'standard';
  if (/^(low|tier-?[34]|t[34]|p3|p4|bronze|best-effort|non-critical|internal|experimental|deprecated)$/.test(w)) return 'low';
  return undefined;
}

export interface VariantPolicy {
  /** Selected variant per label; undefined = the run's default. */
  byLabel: Partial<Record<CriticalityLabel, VariantType>>;
  /** Per-service pins, over the label's. */
  byService: Record<string, VariantType | undefined>;
  fallback: VariantType;
}

export function variantFor(service: string, label: CriticalityLabel | undefined, p: VariantPolicy): VariantType {
  return p.byService[service] ?? (label ? p.byLabel[label] : undefined) ?? p.fallback;
}

/** Stable order for PR rows: critical first, then standard, then low; unlabelled last; ties keep input order. */
export function byCriticality<T extends { criticality?: { label: CriticalityLabel } | undefined }>(items: readonly T[]): T[] {
  return items.map((x, i) => ({ x, i })).sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i).map(({ x }) => x);
}

function rank(x: { criticality?: { label: CriticalityLabel } | undefined }): number {
  return x.criticality ? LABEL_RANK[x.criticality.label] : 3;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
