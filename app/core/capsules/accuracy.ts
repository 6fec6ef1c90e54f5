/**
 * Grouping accuracy (Zhu et al., "Tools and Benchmarks for Automated Log Parsing", ICSE-SEIP 2019):
 * a line counts as correctly parsed when the set of lines in its predicted group equals the set of
 * lines in its ground-truth group; accuracy = correctly parsed lines / all lines.
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error(`predicted has ${predicted.length} labels, truth has ${truth.length}: they must align line by line`);
  if (predicted.length === 0) return 1;
  const byPredicted = new Map<string, number[]>();
  predicted.forEach((p, i) => byPredicted.set(p, [...(byPredicted.get(p) ?? []), i]));
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  let correct = 0;
  for (const lines of byPredicted.values()) {
    const first = truth[lines[0]!]!;
    // Same set <=> every line of the predicted group has one truth label, and that label has no other lines.
    if (lines.every((i) => truth[i] === first) && truthSize.get(first) === lines.length) correct += lines.length;
  }
  return correct / predicted.length;
}
