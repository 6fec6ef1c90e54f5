import type { SimulationResult, SloSimulationResult } from './simulate.js';

const pct = (x: number): string => {
  if (x === 0) return '0%';
  const v = x * 100;
  return `${v < 0.1 ? v.toPrecision(1) : v < 10 ? v.toFixed(1) : v.toFixed(0)}%`;
};
const days = (d: number | null): string => (d === null ? 'never' : d >= 1000 ? '>1000 d' : `${d.toFixed(1)} d`);
const seconds = (s: number | null): string => (s === null ? 'beyond buckets' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);

/** Plain rows shared by the CLI table and the markdown table. */
export function simulationRows(slo: SloSimulationResult): string[][] {
  return slo.variants.map((v) => [
    v.type,
    `${v.target}%${v.thresholdSeconds !== null ? ` <= ${seconds(v.thresholdSeconds)}` : ''}`,
    pct(v.baselineBreachRate),
    pct(v.projectedBreachRate),
    `${pct(v.confidenceInterval[0])} – ${pct(v.confidenceInterval[1])}`,
    pct(v.errorBudgetImpact.budgetConsumedShare),
    days(v.errorBudgetImpact.daysToExhaustion),
  ]);
}

export const SIMULATION_HEADERS = ['variant', 'objective', 'baseline breach', 'projected breach', 'interval', 'budget used / period', 'budget gone in'];

/** Which capacity the answer used, so a reader knows whether to trust it: given, fitted or a guess. */
const capacitySource = (c: SloSimulationResult['capacity']): string =>
  c.source === 'configured' ? `configured${c.from ? ` by ${c.from}` : ''}`
  : c.source === 'fitted' ? 'fitted from history'
  : c.source === 'assumed' ? 'assumed: history cannot identify it' : c.source;

/** One line of context under a table: capacity (and where it came from), utilisation and peak latency. */
export function simulationContext(slo: SloSimulationResult): string {
  const parts = [
    `capacity ${slo.capacity.perReplica.toPrecision(3)} req/s per replica (${slo.capacity.serversPerReplica} concurrent x ${seconds(1 / slo.capacity.serviceRate)} service, ${capacitySource(slo.capacity)})`,
    `peak utilisation ${slo.utilisation.baselinePeak.toFixed(2)} -> ${slo.utilisation.projectedPeak.toFixed(2)}`,
    `${slo.windows} evaluation windows`,
  ];
  if (slo.latencyAtPeak) {
    const l = slo.latencyAtPeak;
    parts.push(`p99 at peak ${seconds(l.baseline.p99)} -> ${seconds(l.projected.p99)}`);
  }
  return parts.join(' · ');
}

const escapeCell = (s: string): string => s.replace(/\|/g, '\\|');

/** Markdown for a PR comment (the `/slo-scout simulate` answer): one table per SLO plus warnings. */
export function formatSimulationMarkdown(result: SimulationResult): string {
  const out: string[] = [];
  for (const slo of result.slos) {
    out.push(`#### ${escapeCell(slo.sloId)} — ${escapeCell(slo.scenario)}`, '');
    out.push(`| ${SIMULATION_HEADERS.join(' | ')} |`, `|${SIMULATION_HEADERS.map(() => '---').join('|')}|`);
    for (const row of simulationRows(slo)) out.push(`| ${row.map(escapeCell).join(' | ')} |`);
    out.push('', `<sub>${simulationContext(slo)} · ${Math.round(result.confidenceLevel * 100)}% bootstrap interval, ${result.draws} draws, seed ${result.seed}</sub>`);
    for (const w of slo.warnings) out.push('', `> [!WARNING]\n> ${w}`);
    out.push('');
  }
  return out.join('\n').trimEnd() + '\n';
}
