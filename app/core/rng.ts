import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

/** A seeded random source. The core never calls Math.random: same seed, same numbers. */
export interface Rng {
  /** Uniform in [0, 1), 53 bits. */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

export function createRng(seed: number): Rng {
  // Small seeds (1, 2, 3) give correlated first outputs in xoroshiro; scramble and warm up.
  const gen = xoroshiro128plus(Math.imul((seed | 0) ^ 0x5bd1e995, 0x9e3779b1));
  for (let i = 0; i < 8; i++) gen.next();
  const next = () => uniformFloat64(gen);
  return {
    next,
    int: (min, max) => uniformInt(gen, min, max),
    normal() {
      let u = 0;
      while (u === 0) u = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
