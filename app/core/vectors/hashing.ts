/**
 * The built-in embedder: no model weights, so it works offline and in every test. A text becomes a
 * signed feature-hashing vector (Weinberger et al., "Feature Hashing for Large Scale Multitask
 * Learning", ICML 2009) of its word unigrams, word bigrams and character trigrams, each weighted by
 * the word's inverse document frequency. Deterministic: the same text and IDF table give the same
 * vector on every machine, so vectors can be stored and compared later.
 *
 * It knows spelling, not meaning: "charge" is near "charges" and "recharge", not near "payment".
 * The sentence-embedding providers (local MiniLM, OpenAI) add meaning; see docs/ai.md.
 */
import { normalize, type Vector } from './math.js';

export const BUILTIN_DIMENSIONS = 512;
const MAX_TEXT = 2_000;

const BOILERPLATE = new Set(['api', 'apis', 'service', 'svc', 'server', 'www', 'rest', 'http', 'https']);

/** Words of an identifier-ish text: camelCase, snake_case, kebab-case and paths split; ids and numbers folded. */
export function words(text: string): string[] {
  const t = text.slice(0, MAX_TEXT)
    // Path parameters in every common spelling ({id}, :id, <id>, [id]) mean "one item of the collection".
    .replace(/\{[^}]*\}|(?<=\/):[A-Za-z_]\w*|<[^>]*>|\[[^\]]*\]/g, ' param ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  const out: string[] = [];
  for (const raw of t.split(/[^a-z0-9]+/)) {
    if (raw === '') continue;
    if (/^\d+$/.test(raw) || /^[0-9a-f]{8,}$/.test(raw)) {
      out.push('num');
      continue;
    }
    // Boilerplate every route and service name carries ("/api/v1", "-service") says nothing about it.
    if (BOILERPLATE.has(raw) || /^v\d+$/.test(raw)) continue;
    out.push(stem(raw));
  }
  return out;
}

/** A light plural/verb-form folding: enough that /orders and /order, refunds and refund meet. */
function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 4 && /(?:sses|xes|ches|shes)$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

export interface IdfTable {
  /** Documents the table was fitted on. */
  documents: number;
  /** Document frequency per word. */
  df: ReadonlyMap<string, number>;
}

/** Document frequencies of words over a reference corpus (each text one document). */
export function fitIdf(corpus: Iterable<string>): IdfTable {
  const df = new Map<string, number>();
  let documents = 0;
  for (const text of corpus) {
    documents++;
    for (const w of new Set(words(text))) df.set(w, (df.get(w) ?? 0) + 1);
  }
  return { documents, df };
}

/** Smoothed IDF (as scikit-learn's smooth_idf): an unseen word gets the largest weight, never infinity. */
export function idf(table: IdfTable, word: string): number {
  return Math.log((1 + table.documents) / (1 + (table.df.get(word) ?? 0))) + 1;
}

/** FNV-1a 32-bit with a seed: one hash picks the bucket, a second the sign. */
function fnv(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function add(v: Vector, feature: string, weight: number): void {
  const i = fnv(feature, 0) % v.length;
  v[i]! += fnv(feature, 0x9e3779b9) & 1 ? weight : -weight;
}

const WEIGHT = { word: 1, bigram: 0.6, trigram: 0.35 };

/** The built-in vector of one text: L2-normalised, `dimensions` long. */
export function hashedVector(text: string, table: IdfTable, dimensions = BUILTIN_DIMENSIONS): Vector {
  const v = new Float32Array(dimensions);
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    const weight = idf(table, w);
    add(v, `w:${w}`, WEIGHT.word * weight);
    if (i > 0) add(v, `b:${ws[i - 1]}_${w}`, WEIGHT.bigram * (weight + idf(table, ws[i - 1]!)) / 2);
    // Character trigrams catch shared stems ("authorize"/"authorization") that whole words miss.
    const padded = `^${w}$`;
    const grams = padded.length - 2;
    for (let j = 0; j < grams; j++) add(v, `c:${padded.slice(j, j + 3)}`, (WEIGHT.trigram * weight) / Math.sqrt(grams));
  }
  return normalize(v);
}
