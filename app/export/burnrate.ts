import { formatDuration } from '../core/time.js';
import { tidy } from './common.js';

export type Severity = 'page' | 'ticket';

/** One multiwindow burn-rate condition: both windows must burn faster than `factor`. */
export interface BurnWindowPair {
  severity: Severity;
  long: string;
  short: string;
  /** Share of the period's error budget that burning at `factor` for `long` consumes (SRE Workbook ch. 5). */
  budgetPercent: number;
  factor: number;
}

/**
 * SRE Workbook ch. 5, table 5-8: page when 2% of a 30-day budget burns in 1h or 5% in 6h; ticket when 10% burns
 * in 1d or 3d. The short window (1/12 of the long one) makes the alert reset soon after the burn stops.
 */
const RECIPE: readonly Omit<BurnWindowPair, 'factor'>[] = [
  { severity: 'page', long: '1h', short: '5m', budgetPercent: 2 },
  { severity: 'page', long: '6h', short: '30m', budgetPercent: 5 },
  { severity: 'ticket', long: '1d', short: '2h', budgetPercent: 10 },
  { severity: 'ticket', long: '3d', short: '6h', budgetPercent: 10 },
];

const LONG_WINDOW_HOURS: Record<string, number> = { '1h': 1, '6h': 6, '1d': 24, '3d': 72 };

/** factor = budget% x period_hours / 100 / long_window_hours, so a 30d period gives 14.4 / 6 / 3 / 1. */
export function burnWindows(periodSeconds: number): BurnWindowPair[] {
  const periodHours = periodSeconds / 3600;
  return RECIPE.map((pair) => ({
    ...pair,
    factor: tidy((pair.budgetPercent * periodHours) / 100 / LONG_WINDOW_HOURS[pair.long]!, 6),
  }));
}

/** Error-ratio windows every SLO records: the recipe's windows plus the period (budget remaining). */
export function recordedWindows(periodSeconds: number): string[] {
  const windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
  const period = formatDuration(periodSeconds);
  return windows.includes(period) ? windows : [...windows, period];
}
