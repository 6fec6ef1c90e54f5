import type { RuleDelta } from './change.js';
import type { CostModel } from './schema.js';

export interface CostLine {
  label: string;
  /** The arithmetic as shown in the check output, e.g. "+4 rules x 1 series x $0.008". */
  arithmetic: string;
  usd: number;
}

export interface CostEstimate {
  lines: CostLine[];
  /** Net monthly change in US dollars (negative when the change removes rules). */
  totalUsd: number;
}

// A month of 30 days: the unit prices of hosted Prometheus vendors are per 30-day month.
const SECONDS_PER_MONTH = 30 * 86_400;

export function formatUsd(usd: number): string {
  const sign = usd < 0 ? '-' : '';
  const abs = Math.abs(usd);
  return `${sign}$${abs >= 100 ? abs.toFixed(0) : abs >= 1 ? abs.toFixed(2) : abs.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}`;
}

/**
 * Monthly cost of a change: new active series from recording rules x price per series, plus
 * rule evaluations (recording and alerting) x price per million evaluations. Alert rules add no
 * stored series while they are quiet (ALERTS exists only when firing), so they cost evaluations only.
 */
export function estimateCost(rules: RuleDelta, model: CostModel): CostEstimate {
  const netRecording = rules.recordingAdded - rules.recordingRemoved;
  const netRules = netRecording + rules.alertingAdded - rules.alertingRemoved;
  const series = netRecording * model.series_per_recording_rule;
  const seriesUsd = series * model.price_per_series_month;
  const evalsPerRule = SECONDS_PER_MONTH / model.evaluation_interval_seconds;
  const evals = netRules * evalsPerRule;
  const evalUsd = (evals / 1e6) * model.price_per_million_evaluations;
  const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);
  const lines: CostLine[] = [
    {
      label: 'active series from recording rules',
      arithmetic: `${signed(netRecording)} rules x ${model.series_per_recording_rule} series x ${formatUsd(model.price_per_series_month)}/series/month`,
      usd: seriesUsd,
    },
    {
      label: 'rule evaluations',
      arithmetic: `${signed(netRules)} rules x ${evalsPerRule} evaluations/month (every ${model.evaluation_interval_seconds}s) x ${formatUsd(model.price_per_million_evaluations)}/million`,
      usd: evalUsd,
    },
  ];
  return { lines, totalUsd: seriesUsd + evalUsd };
}
