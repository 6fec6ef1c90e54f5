/**
 * What makes two endpoints "similar" for borrowing: their names (an embedding, passed in) and how
 * they behave — median and p90 latency, error ratio and traffic, pooled over the analysed windows.
 */
import { histogramQuantile } from '../sli/window.js';
import { median } from '../sli/stats.js';
import type { EndpointHistory, WindowCounts } from '../types.js';
import { dot, type Vector } from '../vectors/index.js';

export interface Profile {
  /** log seconds; null without latency data. */
  logP50: number | null;
  logP90: number | null;
  /** log10 of the pooled error ratio, floored at 1e-5. */
  logErrors: number;
  /** log10 of the median requests per window. */
  logTraffic: number;
  /** Windows with traffic. */
  windows: number;
}

export function profileOf(windows: readonly WindowCounts[]): Profile {
  const present = windows.filter((w) => w.total > 0);
  let total = 0;
  let errors = 0;
  for (const w of present) {
    total += w.total;
    errors += w.errors;
  }
  const q = (p: number) => {
    const xs = present.map((w) => histogramQuantile(w, p)).filter((x): x is number => x !== null && x > 0);
    return xs.length ? Math.log(median(xs)) : null;
  };
  return {
    logP50: q(0.5),
    logP90: q(0.9),
    logErrors: Math.log10(Math.max(1e-5, total > 0 ? errors / total : 0)),
    logTraffic: Math.log10(1 + (present.length ? median(present.map((w) => w.total)) : 0)),
    windows: present.length,
  };
}

/**
 * Behaviour similarity in 0..1: a Gaussian kernel on the profile distance. Scales: a factor of e
 * in latency (one log unit), a factor of 10 in error ratio, or a factor of 30 in traffic each
 * count as one unit; two units apart is similarity e^-2 ≈ 0.14.
 */
export function profileSimilarity(a: Profile, b: Profile): number {
  let d2 = 0;
  if (a.logP50 !== null && b.logP50 !== null) d2 += (a.logP50 - b.logP50) ** 2;
  if (a.logP90 !== null && b.logP90 !== null) d2 += (a.logP90 - b.logP90) ** 2;
  d2 += (a.logErrors - b.logErrors) ** 2;
  d2 += ((a.logTraffic - b.logTraffic) / Math.log10(30)) ** 2;
  return Math.exp(-d2 / 2);
}

export interface SimilarityWeights {
  /** Share of the similarity that comes from the name embedding (default 0.5). */
  name: number;
  /** Bonus for the same service (default 0.1): same team, stack and dependencies. */
  sameService: number;
}

export const DEFAULT_SIMILARITY: SimilarityWeights = { name: 0.5, sameService: 0.1 };

export interface Candidate {
  service: string;
  endpoint: string | null;
  name: Vector;
  profile: Profile;
}

/** Combined similarity in 0..1: name cosine (clamped at 0) and behaviour, plus a same-service bonus. */
export function similarity(a: Candidate, b: Candidate, w: SimilarityWeights = DEFAULT_SIMILARITY): number {
  const name = Math.max(0, dot(a.name, b.name));
  const s = w.name * name + (1 - w.name) * profileSimilarity(a.profile, b.profile);
  return Math.min(1, s + (a.service === b.service ? w.sameService : 0));
}

export function candidateOf(h: EndpointHistory, name: Vector): Candidate {
  return { service: h.service, endpoint: h.endpoint, name, profile: profileOf(h.windows) };
}
