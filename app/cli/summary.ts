import Table from 'cli-table3';
import { formatBreach, windowsPerPeriod, windowUnit } from '../core/breach-format.js';
import type { Report } from '../core/report.js';

function pct(x: number): string {
  // A breach rate far from its target can be a few thousandths of a percent: 0.00 % would read as none.
  if (x > 0 && x < 0.0001) return `${(x * 100).toPrecision(1)}%`;
  return `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
}

function seconds(s: number | null): string {
  if (s === null) return 'non-5xx';
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s} s`;
}

/** The table `analyze` and `demo` print: one row per proposal, the selected variant's numbers. */
export function summaryTable(report: Report): string {
  const table = new Table({
    head: ['service', 'endpoint', 'SLI', 'selected', 'budget burn / period [interval]', 'target / threshold', 'breach rate [breached next period]', 'confidence', 'warnings'],
    style: { head: [], border: [], compact: true },
  });
  for (const p of report.proposals) {
    const v = p.variants.find((x) => x.type === p.selectedVariant) ?? p.variants[0]!;
    table.push([
      p.service,
      p.endpoint ?? '(all)',
      p.sli,
      p.selectedVariant,
      v.budgetBurn ? `${pct(v.budgetBurn.expected)} [${pct(v.budgetBurn.interval[0])}, ${pct(v.budgetBurn.interval[1])}]` : '—',
      `${v.target}% / ${seconds(v.thresholdSeconds)}`,
      formatBreach(v.expectedBreachRate, v.breachRateInterval, windowsPerPeriod(report.breachWindow, report.period ?? report.window), windowUnit(report.breachWindow)),
      p.confidence.toFixed(2),
      String(p.warnings.length),
    ]);
  }
  return table.toString();
}

export function footer(report: Report, written: string | undefined): string {
  const t = report.timings;
  const waited = t?.datasourceSeconds ?? t?.prometheusSeconds;
  const lines = [`${report.proposals.length} proposals, ${report.skipped?.length ?? 0} endpoints skipped${t ? `; ${t.queries} queries, ${t.totalSeconds.toFixed(1)} s${waited === undefined ? '' : ` (${waited.toFixed(1)} s waiting on ${t.datasource ?? 'the datasource'})`}` : ''}`];
  const replay = report.alertReplay;
  if (replay?.skipped?.length) {
    lines.push(`alert replay: ${replay.replayed} SLOs replayed; ${replay.skipped.map((s) => `${s.slos} not: ${s.reason}`).join('; ')}`);
  }
  const c = report.calibration;
  if (c && c.breach.replays > 0) {
    lines.push(`intervals (${Math.round(c.nominalLevel * 100)}%) held in ${pct(c.burn.held)} (burn) and ${pct(c.breach.held)} (breach rate, randomized coverage) of ${c.breach.replays} weekly replays on this history` +
      `${c.weeks ? ` over the last ${c.weeks} weeks` : ''}; before calibration ${pct(c.burn.heldAtNominal)} and ${pct(c.breach.heldAtNominal)}`);
  }
  if (written) lines.push(`wrote ${written}`);
  return lines.join('\n');
}
