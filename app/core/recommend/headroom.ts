/**
 * Headroom-aware prior mean of a window's breach probability (issue 11 §1).
 *
 * The breach count only sees whether each window was breached, so every variant of one type that
 * never breached read the same rate, whether its worst window used 95 % of that window's error
 * budget or 5 %. The worst fitted window's budget burn (bad / (total × (1 − target)), the per-window
 * share of the budget burn.ts sums over a period) says how close the variant came: on the synthetic
 * backtest fleets never-breached variants whose worst day used ≥ 90 % of its budget were breached on
 * about 2 % of the next 28 days, those under 80 % on 0–0.3 %.
 *
 * The prior mean rises with it, logit-linearly:
 *   logit μ = logit μ_type + slope · (min(worst, 1) − 1)
 * so at a worst burn of 1 (the variant breached, or came within a hair) it is the type's mean μ_type,
 * and each tenth of the budget a variant's worst window left unused divides the prior odds by
 * e^(slope/10). The count then updates it as before (Beta(c·μ, c·(1 − μ)) posterior). μ_type and the
 * slope are fitted offline (bench/derive-breach-prior.ts). Capped at 1 because a breached window's
 * count already speaks. Linear in the burn rather than in its log: on the backtest fleets the log of
 * the realized breached share of never-breached variants rose about linearly with the worst burn
 * (0.01 %, 0.1 %, 0.16 %, 0.6 %, 2.3 % at worst burns of about 0.1, 0.35, 0.65, 0.85, 0.95), and a log
 * would send variants far from their target to exactly 0.
 */
import { VARIANT_TYPES, type VariantType } from '../report.js';

/** The largest per-window budget burn of a fit: max over windows of bad / (total × budgetFraction). */
export function worstBurn(bad: readonly number[], total: readonly number[], budgetFraction: number): number {
  let worst = 0;
  for (let i = 0; i < bad.length; i++) {
    const t = total[i]!;
    if (t > 0) worst = Math.max(worst, bad[i]! / t / budgetFraction);
  }
  return worst;
}

/**
 * Worst burns of one SLO's variants in risk order (conservative first), each raised to the one before
 * it: a riskier variant is never treated as further from breaching than a less risky one, which keeps
 * the prior means (and so the expected rates) in risk order.
 */
export function riskOrderedWorst(worst: ReadonlyArray<{ type: VariantType; worst: number }>): Map<VariantType, number> {
  const out = new Map<VariantType, number>();
  let floor = 0;
  for (const t of VARIANT_TYPES) {
    const own = worst.find((w) => w.type === t);
    if (!own) continue;
    floor = Math.max(floor, own.worst);
    out.set(t, floor);
  }
  return out;
}

/** The prior mean at a worst burn, from the type's mean at a worst burn of 1 and the slope (0: no headroom term). */
export function headroomMean(mean: number, slope: number, worst: number): number {
  if (!(slope > 0)) return mean;
  const x = Math.min(1, Math.max(0, Number.isFinite(worst) ? worst : 1)) - 1;
  const z = Math.log(mean / (1 - mean)) + slope * x;
  return 1 / (1 + Math.exp(-z));
}
