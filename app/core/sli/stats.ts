/** Small numeric helpers shared by the SLI, recommendation and fleet code (pure, allocation-light). */

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5e-7: plenty for bucket shares). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolated sample quantile (type 7, as R and NumPy default). NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function stdev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

/** Median absolute deviation scaled to estimate a normal sigma (1.4826 × MAD). */
export function robustSigma(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

/** 32-bit FNV-1a: a stable seed from strings (endpoint names), so every endpoint has its own stream. */
export function hashSeed(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = String(part);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * SFC32 (Chris Doty-Humphrey's small fast counting generator; passes PractRand and BigCrush), with
 * the Rng interface of ../rng.ts. The bootstrap and the fleet generator need tens of millions of
 * draws, and pure-rand through its generic API costs ~40 ns a draw; this costs a few. Seeded from
 * a 32-bit seed, deterministic.
 */
export interface FastRng {
  next(): number;
  /** `out.length` draws of `next()` in one call, in order (the same stream; the bootstrap's hot loops). */
  fill(out: Float64Array): void;
  int(min: number, max: number): number;
  normal(): number;
}

export function fastRng(seed: number): FastRng {
  return new Sfc32(seed);
}

/**
 * The generator behind `fastRng`. A class, not closures over the state: the recommender builds one
 * per SLO, variant and replay origin (tens of thousands per analysis), and a class instance is one
 * object with its methods shared on the prototype. State in an Int32Array, not in fields or captured
 * `let`s: a full 32-bit value there is boxed as a heap number on every store (V8 keeps only 31-bit
 * integers unboxed), which made each draw allocate. Same arithmetic mod 2^32, so the same stream.
 */
class Sfc32 implements FastRng {
  private readonly s: Int32Array;
  private spare: number | null = null;

  constructor(seed: number) {
    this.s = new Int32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]);
    for (let i = 0; i < 15; i++) this.u32();
  }

  private u32(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** 53-bit uniform from two draws, as pure-rand's uniformFloat64 does. */
  next(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  fill(out: Float64Array): void {
    // next() with the state in locals (registers), written back once.
    const s = this.s;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    for (let i = 0; i < out.length; i++) {
      let t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      const hi = t >>> 5;
      t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      out[i] = (hi * 67108864 + (t >>> 6)) / 9007199254740992;
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  normal(): number {
    // Box-Muller, both outputs used.
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }
}

let scratch = new Float64Array(0);

/**
 * The next `count` uniforms of `rng`, in order, in a scratch array reused by the next call (read
 * them before calling again). The same numbers as `count` calls of `next()`.
 */
export function uniforms(rng: { next(): number; fill?(out: Float64Array): void }, count: number): Float64Array {
  if (scratch.length < count) scratch = new Float64Array(Math.max(count, 2 * scratch.length));
  const out = scratch.subarray(0, count);
  if (rng.fill) rng.fill(out);
  else for (let i = 0; i < count; i++) out[i] = rng.next();
  return out;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const g = 7;
  const coef = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let s = coef[0]!;
  for (let i = 1; i < g + 2; i++) s += coef[i]! / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
