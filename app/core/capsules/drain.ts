/**
 * Drain: online log template mining with a fixed-depth parse tree (He et al., "Drain: An Online
 * Log Parsing Approach with Fixed Depth Tree", ICWS 2017; parameters as in Drain3).
 * Lines are masked, split on whitespace, routed by token count and then by their first
 * `depth - 2` tokens, and joined to the most similar cluster of the leaf when the share of
 * equal tokens reaches `similarity`; otherwise they start a new cluster. A cluster's template
 * turns positions that differ into `<*>`.
 */
import { DEFAULT_MASKS, maskLine, type MaskRule } from './mask.js';

export const WILDCARD = '<*>';

export interface DrainOptions {
  /** Tree depth including the root and the length layer (Drain3 default 4: two prefix tokens). */
  depth?: number;
  /** Minimum share of equal tokens to join a cluster (Drain3 default 0.4). */
  similarity?: number;
  /** Children per inner node; further distinct tokens share a `<*>` child (Drain3 default 100). */
  maxChildren?: number;
  masks?: MaskRule[];
  /**
   * Request lines (issue 15): the HTTP method and the path after it name the event, so a line never
   * joins a cluster whose method or path differs there (default on). Without it, Drain's 0.4 share
   * folds every route of an access log into one "GET <*> HTTP/1.1" template.
   */
  requestKeys?: boolean;
}

export class Cluster {
  size = 0;
  constructor(readonly id: number, public tokens: string[]) {}
  get template(): string {
    return this.tokens.join(' ');
  }
}

interface Node {
  children: Map<string, Node>;
  clusters: Cluster[];
}

const newNode = (): Node => ({ children: new Map(), clusters: [] });
const hasDigit = (t: string) => /\d/.test(t);
const METHOD = /^"?(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)$/;

/** Positions of request-line keys: an HTTP method token and the path right after it. */
function requestKeyPositions(tokens: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length - 1; i++) if (METHOD.test(tokens[i]!) && tokens[i + 1]!.startsWith('/')) out.push(i, i + 1);
  return out;
}

export class Drain {
  private readonly root = newNode();
  private readonly all: Cluster[] = [];
  private readonly depth: number;
  private readonly similarity: number;
  private readonly maxChildren: number;
  private readonly masks: MaskRule[];
  private readonly requestKeys: boolean;

  constructor(options: DrainOptions = {}) {
    this.depth = Math.max(3, options.depth ?? 4);
    this.similarity = options.similarity ?? 0.4;
    this.maxChildren = options.maxChildren ?? 100;
    this.masks = options.masks ?? DEFAULT_MASKS;
    this.requestKeys = options.requestKeys ?? true;
  }

  get clusters(): readonly Cluster[] {
    return this.all;
  }

  tokenize(line: string): string[] {
    return maskLine(line.trim(), this.masks).split(/\s+/).filter((t) => t.length > 0);
  }

  /** Adds one line and returns the cluster it joined (its template may have just generalised). */
  add(line: string): Cluster {
    const tokens = this.tokenize(line);
    const leaf = this.leafFor(tokens, true)!;
    const best = this.bestMatch(leaf.clusters, tokens);
    if (best) {
      best.tokens = best.tokens.map((t, i) => (t === tokens[i] ? t : WILDCARD));
      best.size++;
      return best;
    }
    const cluster = new Cluster(this.all.length + 1, tokens);
    cluster.size = 1;
    this.all.push(cluster);
    leaf.clusters.push(cluster);
    return cluster;
  }

  /** The cluster a line would join, without changing anything. */
  match(line: string): Cluster | undefined {
    const tokens = this.tokenize(line);
    const leaf = this.leafFor(tokens, false);
    return leaf ? this.bestMatch(leaf.clusters, tokens) : undefined;
  }

  private leafFor(tokens: string[], create: boolean): Node | undefined {
    let node = this.child(this.root, String(tokens.length), create, true);
    const prefix = Math.min(this.depth - 2, tokens.length);
    for (let i = 0; node && i < prefix; i++) {
      // Tokens with digits are likely parameters: route them through the wildcard branch.
      const token = hasDigit(tokens[i]!) ? WILDCARD : tokens[i]!;
      node = this.child(node, token, create, false);
    }
    return node;
  }

  private child(node: Node, token: string, create: boolean, unlimited: boolean): Node | undefined {
    const found = node.children.get(token);
    if (found) return found;
    if (!create) return node.children.get(WILDCARD);
    if (unlimited || token === WILDCARD) {
      const n = newNode();
      node.children.set(token, n);
      return n;
    }
    // Keep one slot for the wildcard child so a flood of distinct tokens cannot crowd it out.
    if (node.children.size + (node.children.has(WILDCARD) ? 0 : 1) < this.maxChildren) {
      const n = newNode();
      node.children.set(token, n);
      return n;
    }
    let wild = node.children.get(WILDCARD);
    if (!wild) {
      wild = newNode();
      node.children.set(WILDCARD, wild);
    }
    return wild;
  }

  private bestMatch(clusters: Cluster[], tokens: string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestParams = -1;
    const keys = this.requestKeys ? requestKeyPositions(tokens) : [];
    for (const c of clusters) {
      if (keys.some((k) => c.tokens[k] !== WILDCARD && c.tokens[k] !== tokens[k])) continue;
      let same = 0;
      let params = 0;
      for (let i = 0; i < tokens.length; i++) {
        const t = c.tokens[i];
        if (t === WILDCARD) params++;
        else if (t === tokens[i]) same++;
      }
      const sim = tokens.length === 0 ? 1 : same / tokens.length;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return best && bestSim >= this.similarity ? best : undefined;
  }
}

export interface MinedCapsule {
  id: string;
  template: string;
  count: number;
}

export interface MineResult {
  capsules: MinedCapsule[];
  /** Capsule id of each input line, in input order (final templates: a line joins its cluster's last form). */
  assignments: string[];
}

/** Runs the miner over a batch of lines (the `slo-scout capsules` command and tests). */
export function mineLines(lines: Iterable<string>, options: DrainOptions = {}): MineResult {
  const drain = new Drain(options);
  const joined: Cluster[] = [];
  for (const line of lines) joined.push(drain.add(line));
  const capsuleId = (c: Cluster) => `c${c.id}`;
  return {
    capsules: drain.clusters.map((c) => ({ id: capsuleId(c), template: c.template, count: c.size })),
    assignments: joined.map(capsuleId),
  };
}

/** A stable id for a template (FNV-1a 64-bit, hex): the same template gets the same id in every process. */
export function templateId(template: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
