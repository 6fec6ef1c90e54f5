/**
 * Vector maths shared by every embedding consumer (criticality, borrowed priors, capsule merging).
 * Vectors are Float32Array and, from every provider, L2-normalised, so cosine = dot product.
 */
export type Vector = Float32Array;

export function dot(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new Error(`vector dimensions differ (${a.length} vs ${b.length}): vectors from different embedding models cannot be compared`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: Vector): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** In place; a zero vector stays zero (it is similar to nothing). */
export function normalize(a: Vector): Vector {
  const n = norm(a);
  if (n > 0 && Number.isFinite(n)) for (let i = 0; i < a.length; i++) a[i]! /= n;
  return a;
}

/** Cosine similarity, robust to vectors that are not normalised. */
export function cosine(a: Vector, b: Vector): number {
  const d = norm(a) * norm(b);
  return d > 0 ? dot(a, b) / d : 0;
}

export interface Neighbour { index: number; similarity: number }

/**
 * The k rows most similar to `q` (cosine on normalised rows = dot), best first; ties keep the
 * lower index so results are deterministic. Linear scan with a small sorted buffer: at 10k rows of
 * 384 dimensions this is a few milliseconds, which is why the plain PostgreSQL path needs no index.
 */
export function topK(q: Vector, rows: readonly Vector[], k: number, exclude?: (index: number) => boolean): Neighbour[] {
  const best: Neighbour[] = [];
  if (k <= 0) return best;
  for (let i = 0; i < rows.length; i++) {
    if (exclude?.(i)) continue;
    const s = dot(q, rows[i]!);
    if (best.length === k && s <= best[k - 1]!.similarity) continue;
    let j = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push({ index: i, similarity: s });
    while (j > 0 && best[j - 1]!.similarity < s) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = { index: i, similarity: s };
  }
  return best;
}

/** Rows stored back to back in one array: one allocation, sequential memory, ~2x faster scans at 10k rows. */
export interface Matrix { data: Float32Array; dims: number; rows: number }

export function toMatrix(rows: readonly Vector[], dims: number): Matrix {
  const data = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => {
    if (r.length !== dims) throw new Error(`row ${i} has ${r.length} dimensions, expected ${dims}`);
    data.set(r, i * dims);
  });
  return { data, dims, rows: rows.length };
}

/** topK over a Matrix (same contract as topK). */
export function topKMatrix(q: Vector, m: Matrix, k: number, exclude?: (index: number) => boolean): Neighbour[] {
  if (q.length !== m.dims) throw new Error(`vector dimensions differ (${q.length} vs ${m.dims}): vectors from different embedding models cannot be compared`);
  const best: Neighbour[] = [];
  if (k <= 0) return best;
  const { data, dims } = m;
  for (let i = 0, off = 0; i < m.rows; i++, off += dims) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += q[j]! * data[off + j]!;
    if (best.length === k && s <= best[k - 1]!.similarity) continue;
    if (exclude?.(i)) continue;
    let p = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push({ index: i, similarity: s });
    while (p > 0 && best[p - 1]!.similarity < s) {
      best[p] = best[p - 1]!;
      p--;
    }
    best[p] = { index: i, similarity: s };
  }
  return best;
}
