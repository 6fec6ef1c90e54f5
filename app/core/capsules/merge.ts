/**
 * Merging Drain templates that mean the same event (issue 15 §4). Drain keys clusters on token count
 * and leading tokens, so one event whose variable part has a varying number of tokens ("12 bytes" vs
 * "12 bytes (3 KB)", "<1 sec" vs "00:04") lands in several clusters, and the same event logged by
 * two services is two capsules. Two templates merge when their constant tokens line up (longest common
 * subsequence, order-aware) and, when vectors are given, their embeddings agree; groups are transitive
 * (union-find) and keep the id of their largest member, so a capsule's id survives the merge.
 */
import { dot, type Vector } from '../vectors/index.js';

export interface TemplateInfo {
  id: string;
  template: string;
  count: number;
  /** Embedding of the template text (any provider); omit to merge on structure alone. */
  vector?: Vector;
}

export interface MergeOptions {
  /** Combined similarity needed to merge (default 0.9). */
  threshold?: number;
  /** Share of the combined similarity from the embedding when both templates have one (default 0.4). */
  embeddingWeight?: number;
}

/** Tokens that are the event's own words: not wildcards or masks, no digits, not bare punctuation. */
export function constantTokens(template: string): string[] {
  return template.split(/\s+/).filter((t) => t !== '' && !t.includes('<') && !/\d/.test(t) && /[A-Za-z]/.test(t)).map((t) => t.replace(/[.,;:!()[\]"']+$/g, '').replace(/^[("'[]+/, ''));
}

/** "METHOD /path" of a request-line template, or null. */
export function requestKey(template: string): string | null {
  const m = /(?:^|\s)"?(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\/\S*)/.exec(template);
  return m ? `${m[1]} ${m[2]}` : null;
}

/** 2·LCS / (|a| + |b|) over constant tokens: 1 for the same words in the same order. */
export function structureSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const prev = new Array<number>(b.length + 1).fill(0);
  const cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    for (let j = 0; j <= b.length; j++) prev[j] = cur[j]!;
  }
  return (2 * prev[b.length]!) / (a.length + b.length);
}

/** Canonical id per template id (itself when not merged). */
export function mergeTemplates(templates: readonly TemplateInfo[], o: MergeOptions = {}): Map<string, string> {
  const threshold = o.threshold ?? 0.9;
  const we = o.embeddingWeight ?? 0.4;
  const consts = templates.map((t) => constantTokens(t.template));
  const keys = templates.map((t) => requestKey(t.template));
  const parent = templates.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  // Templates are few (hundreds per service), so all pairs is fine; bail out on runaway inputs.
  const n = Math.min(templates.length, 5_000);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (find(i) === find(j)) continue;
      // Request lines are keyed by method and path (as in Drain's requestKeys): different routes never merge.
      if (keys[i] !== null && keys[j] !== null && keys[i] !== keys[j]) continue;
      const s = structureSimilarity(consts[i]!, consts[j]!);
      if (s < threshold - we) continue;
      const vi = templates[i]!.vector;
      const vj = templates[j]!.vector;
      const combined = vi && vj && vi.length === vj.length ? (1 - we) * s + we * Math.max(0, dot(vi, vj)) : s;
      if (combined >= threshold) {
        const a = find(i);
        const b = find(j);
        // The larger group's root stays the root: the busiest capsule keeps its id.
        const [keep, drop] = templates[a]!.count >= templates[b]!.count ? [a, b] : [b, a];
        parent[drop] = keep;
      }
    }
  }
  return new Map(templates.map((t, i) => [t.id, templates[find(i)]!.id]));
}

/**
 * Successor map for capsule ids: when a template generalises (a position becomes `<*>`) its hash id
 * changes, and when templates merge the smaller ones point at the survivor. `resolve` follows the
 * chain, so evidence stored under an old id still finds its capsule.
 */
export class CapsuleSuccessors {
  private readonly next = new Map<string, string>();

  record(from: string, to: string): void {
    if (from === to || this.resolve(to) === from) return; // never create a cycle
    this.next.set(from, to);
  }

  resolve(id: string): string {
    let cur = id;
    for (let hops = 0; hops < 64; hops++) {
      const n = this.next.get(cur);
      if (n === undefined) return cur;
      cur = n;
    }
    return cur;
  }

  entries(): Array<[string, string]> {
    return [...this.next.entries()];
  }
}
