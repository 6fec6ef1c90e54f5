import { stringify } from 'yaml';
import type { Proposal, Report, VariantType } from '../core/report.js';
import { formatDuration } from '../core/time.js';
import { burnWindows, recordedWindows, type BurnWindowPair, type Severity } from './burnrate.js';
import { YAML_OPTIONS, queriesFor, safeName, selectedType, tidy, variantOf, withWindow } from './common.js';
import { EMPTY_ROUTING, type SloRouting } from './routing.js';

export { dashboardUid } from './routing.js';

export interface RecordingRule { record: string; expr: string; labels: Record<string, string> }
export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup { name: string; rules: (RecordingRule | AlertingRule)[] }

export interface RuleOptions { periodSeconds: number; variant?: VariantType; routing?: SloRouting }

/** Recorded series names follow Sloth's conventions so existing SLO dashboards and habits carry over. */
export const ERROR_RATIO = (window: string): string => `slo:sli_error:ratio_rate${window}`;
export const OBJECTIVE = 'slo:objective:ratio';
export const ERROR_BUDGET = 'slo:error_budget:ratio';
export const PERIOD_DAYS = 'slo:time_period:days';
export const CURRENT_BURN_RATE = 'slo:current_burn_rate:ratio';
export const PERIOD_BURN_RATE = 'slo:period_burn_rate:ratio';
export const BUDGET_REMAINING = 'slo:period_error_budget_remaining:ratio';
export const ALERT_NAME: Record<Severity, string> = { page: 'SloScoutErrorBudgetBurnPage', ticket: 'SloScoutErrorBudgetBurnTicket' };

/** A PromQL string literal; JSON's escapes (\" \\ \n) are valid PromQL escapes. */
function quote(value: string): string {
  return JSON.stringify(value);
}

function selector(metric: string, proposal: Proposal, window?: string): string {
  const parts = [`slo_id=${quote(proposal.sloId)}`];
  if (window) parts.push(`slo_window=${quote(window)}`);
  return `${metric}{${parts.join(', ')}}`;
}

function alertExpr(proposal: Proposal, pairs: BurnWindowPair[], badFraction: number): string {
  const budget = tidy(badFraction);
  const conditions = pairs.map((p) =>
    `(${selector(ERROR_RATIO(p.long), proposal)} > (${p.factor} * ${budget}))\n` +
    `  and ignoring (slo_window)\n` +
    `  (${selector(ERROR_RATIO(p.short), proposal)} > (${p.factor} * ${budget}))`);
  // max without slo_window: one alert per SLO whichever window pair fired, not one per pair.
  return `max without (slo_window) (\n  ${conditions.join('\n  or ignoring (slo_window)\n  ')}\n)`;
}

/** Recording and alerting rule groups for one proposal, enforcing its selected (or overridden) variant. */
export function prometheusRuleGroups(proposal: Proposal, options: RuleOptions): RuleGroup[] {
  const type = options.variant ?? proposal.selectedVariant;
  const variant = variantOf(proposal, type);
  const queries = queriesFor(proposal, type);
  const objective = tidy(variant.target / 100);
  const badFraction = tidy(1 - objective);
  const period = formatDuration(options.periodSeconds);
  const base = { slo_id: proposal.sloId, slo_service: proposal.service };
  const name = safeName(proposal.sloId);

  const sliRules: RecordingRule[] = recordedWindows(options.periodSeconds).map((window) => ({
    record: ERROR_RATIO(window),
    expr: `(${withWindow(queries.bad, window)})\n/\n(${withWindow(queries.total, window)})\n`,
    labels: { ...base, slo_window: window },
  }));

  const routing = options.routing ?? EMPTY_ROUTING;
  const meta = { ...base, slo_sli: proposal.sli, slo_variant: type };
  // Routing labels on the SLO's metadata series too, so dashboards and silences can select by team;
  // not on the per-window SLI ratios (they only feed the alerts).
  const metaLabels = { ...routing.labels, ...meta };
  const onBudget = `/ on (slo_id, slo_service) group_left ${selector(ERROR_BUDGET, proposal)}`;
  const metaRules: RecordingRule[] = [
    { record: OBJECTIVE, expr: `vector(${objective})`, labels: metaLabels },
    { record: ERROR_BUDGET, expr: `vector(${badFraction})`, labels: metaLabels },
    { record: PERIOD_DAYS, expr: `vector(${tidy(options.periodSeconds / 86400)})`, labels: metaLabels },
    { record: CURRENT_BURN_RATE, expr: `${selector(ERROR_RATIO('5m'), proposal)}\n${onBudget}`, labels: metaLabels },
    { record: PERIOD_BURN_RATE, expr: `${selector(ERROR_RATIO(period), proposal)}\n${onBudget}`, labels: metaLabels },
    { record: BUDGET_REMAINING, expr: `1 - ${selector(PERIOD_BURN_RATE, proposal)}`, labels: metaLabels },
  ];

  const pairs = burnWindows(options.periodSeconds);
  const title = `${proposal.service} ${proposal.endpoint ?? '(all endpoints)'} ${proposal.sli}`;
  const alertRules: AlertingRule[] = (['page', 'ticket'] as const).map((severity) => {
    const mine = pairs.filter((p) => p.severity === severity);
    const how = mine.map((p) => `${p.factor}x over ${p.long} and ${p.short}`).join(', or ');
    const annotations: Record<string, string> = {
      ...routing.annotations,
      summary: `${title}: error budget burning ${severity === 'page' ? 'fast' : 'steadily'} (${variant.target}% over ${period})`,
      description: `The error ratio exceeds the budget (${badFraction}) by ${how}. ` +
        `At that rate ${mine.map((p) => `${p.budgetPercent}% of the ${period} budget is gone in ${p.long}`).join(' or ')}.`,
    };
    return {
      alert: ALERT_NAME[severity],
      expr: alertExpr(proposal, mine, badFraction),
      labels: { ...routing.labels, ...meta, severity },
      annotations,
    };
  });

  return [
    { name: `slo-scout-${name}-sli-recordings`, rules: sliRules },
    { name: `slo-scout-${name}-meta-recordings`, rules: metaRules },
    { name: `slo-scout-${name}-alerts`, rules: alertRules },
  ];
}

/** A Prometheus rule file (`rule_files:`) for one proposal. */
export function renderPrometheusRules(report: Report, proposal: Proposal, options: { periodSeconds: number; variant?: Partial<Record<string, VariantType>>; routing?: SloRouting }): string {
  const groups = prometheusRuleGroups(proposal, {
    periodSeconds: options.periodSeconds,
    variant: selectedType(proposal, options.variant),
    ...(options.routing ? { routing: options.routing } : {}),
  });
  const header = `# Generated by slo-scout from report.json (analysis as of ${report.end}); edit the proposal, not this file.\n`;
  return header + stringify({ groups }, YAML_OPTIONS);
}
