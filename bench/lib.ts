/** Helpers shared by the benchmark scripts. */

/** Median of a sample (upper median for an even count, as every script reports it). */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of an empty sample');
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
