/** Helpers shared by the benchmark scripts. */

/** Median of a sample (upper median for an even count, as every script reports it). */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of an empty sample');
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Median wall time in seconds of `runs` calls of `f`. */
export function medianSeconds(runs: number, f: () => unknown): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    f();
    ts.push((performance.now() - s) / 1000);
  }
  return median(ts);
}
