import { Report, type Calibration, type VariantType } from '../core/report.js';
import { byService, ExportError, periodSecondsOf, safeName } from './common.js';
import { renderGrafanaDashboard } from './grafana.js';
import { renderOpenSlo } from './openslo.js';
import { renderPrometheusRuleCrd } from './prometheus-rule-crd.js';
import { renderPrometheusRules } from './prometheus-rules.js';
import { renderPullRequestBody } from './pr-body.js';
import { renderPyrra } from './pyrra.js';
import { routingFor, type RoutingOptions } from './routing.js';
import { renderSloth } from './sloth.js';
import { renderSvgChart } from './svg.js';
import { renderBurnChart } from './burn-chart.js';
import stringifyCompact from 'json-stringify-pretty-compact';
import { SPEC_SUFFIX } from './layout.js';

export { ExportError, safeName } from './common.js';
export { renderGrafanaDashboard } from './grafana.js';
export { renderOpenSlo, openSloObjects } from './openslo.js';
export { renderPrometheusRuleCrd } from './prometheus-rule-crd.js';
export { renderPrometheusRules, prometheusRuleGroups } from './prometheus-rules.js';
export { renderPullRequestBody, GITHUB_BODY_LIMIT, type PullRequestBodyOptions } from './pr-body.js';
export { renderSloth } from './sloth.js';
export { renderPyrra, pyrraObject } from './pyrra.js';
export { routingFor, teamsFromCodeowners, type RoutingOptions, type SloRouting } from './routing.js';
export { renderSvgChart } from './svg.js';
export { renderBurnChart } from './burn-chart.js';
export { burnWindows } from './burnrate.js';

export const OUTPUT_FORMATS = ['openslo', 'sloth', 'prometheus-rule-crd', 'pyrra'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ExportOptions extends Omit<RoutingOptions, 'grafanaUrl'> {
  format: OutputFormat;
  /** SLO period; default: report.period, else report.window. */
  periodSeconds?: number;
  grafanaUrl?: string;
  /** Used for links only; the generated queries do not depend on it. */
  prometheusUrl?: string;
  /** Per-SLO override of the enforced variant (sloId -> variant), e.g. from `/slo-scout variant aggressive <slo-id>`. */
  variant?: Partial<Record<string, VariantType>>;
}

export interface OutputFile { path: string; content: string }

/** The fleet-level chart: budget burn per SLO and variant. */
export const BURN_CHART = 'budget-burn.svg';

/**
 * One format, one set of files: OpenSLO describes the SLO but nothing evaluates it, so it comes with
 * the Prometheus rules that enforce it; Sloth and Pyrra generate their own rules from their spec, and
 * a PrometheusRule already holds them.
 */
const WITH_RULE_FILE: Record<OutputFormat, boolean> = { openslo: true, sloth: false, 'prometheus-rule-crd': false, pyrra: false };

/**
 * Everything a PR or `--out DIR` contains, paths relative to the output root, in a stable order. Pure apart
 * from reading the bundled templates. Throws ExportError when the report is invalid or an override names a
 * variant or SLO that does not exist.
 */
export function renderFileSet(report: Report, options: ExportOptions): OutputFile[] {
  const checked = Report.safeParse(report);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new ExportError(`report is not a valid report.json: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const parsed = { data: canonicalReport(checked.data) };
  if (!OUTPUT_FORMATS.includes(options.format)) {
    throw new ExportError(`unknown format "${String(options.format)}"; use one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  const known = new Set(report.proposals.map((p) => p.sloId));
  for (const sloId of Object.keys(options.variant ?? {})) {
    if (!known.has(sloId)) throw new ExportError(`variant override for "${sloId}": no such SLO in the report; known: ${[...known].join(', ') || 'none'}`);
  }
  const periodSeconds = periodSecondsOf(report, options.periodSeconds);
  const common = { periodSeconds, ...(options.variant ? { variant: options.variant } : {}) };

  const files: OutputFile[] = [];
  const chartLinks: Record<string, string> = {};
  const taken = new Set<string>();
  for (const [service, proposals] of byService(report)) {
    const dir = `slos/${safeName(service)}`;
    for (const proposal of proposals) {
      const base = `${dir}/${safeName(proposal.sloId)}`;
      if (taken.has(base)) throw new ExportError(`two SLOs map to the same file ${base}.*: sloIds must differ after lowercasing and replacing non-alphanumerics with "-"`);
      taken.add(base);
      const routing = routingFor(proposal, { ...options, ...(options.grafanaUrl ? { grafanaUrl: options.grafanaUrl } : {}) });
      const withRouting = { ...common, routing, ...(options.prometheusRule ? { prometheusRule: options.prometheusRule } : {}) };
      const spec = options.format === 'openslo'
        ? renderOpenSlo(report, proposal, withRouting)
        : options.format === 'sloth'
          ? renderSloth(report, proposal, withRouting)
          : options.format === 'pyrra'
            ? renderPyrra(report, proposal, withRouting)
            : renderPrometheusRuleCrd(report, proposal, withRouting);
      files.push({ path: `${base}.${SPEC_SUFFIX[options.format]}`, content: spec });
      if (WITH_RULE_FILE[options.format]) files.push({ path: `${base}.rules.yaml`, content: renderPrometheusRules(report, proposal, withRouting) });
      files.push({ path: `${base}.svg`, content: renderSvgChart(report, proposal, common) });
      chartLinks[proposal.sloId] = `${base}.svg`;
    }
    files.push({ path: `${dir}/dashboard.json`, content: renderGrafanaDashboard(service, proposals, common) });
  }
  files.push({ path: BURN_CHART, content: renderBurnChart(report, common) });
  files.push({ path: 'PULL_REQUEST.md', content: renderPullRequestBody(report, { chartLinks, burnChart: BURN_CHART, ...(options.variant ? { variant: options.variant } : {}) }) });
  files.push({ path: 'report.json', content: `${formatReportJson(committedReport(parsed.data))}\n` });
  return files;
}

const sortedKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Map-like fields (the report schema's records: what-if parameters, per-variant SLI values,
 * calibration per service and per variant) in one key order. A report read
 * back from PostgreSQL (jsonb orders keys by length) and a fresh one must render the same bytes,
 * or a variant switch followed by a rerun on unchanged data would move the branch.
 */
export function canonicalReport(report: Report): Report {
  const calibration = (c: Calibration): Calibration => ({
    ...c,
    ...(c.breachByVariant ? { breachByVariant: sortedKeys(c.breachByVariant) } : {}),
    ...(c.priorMean ? { priorMean: sortedKeys(c.priorMean) } : {}),
  });
  return {
    ...report,
    ...(report.calibration ? { calibration: calibration(report.calibration) } : {}),
    ...(report.calibrationByService ? { calibrationByService: Object.fromEntries(Object.entries(sortedKeys(report.calibrationByService)).map(([k, c]) => [k, calibration(c)])) } : {}),
    proposals: report.proposals.map((p) => ({
      ...p,
      ...(p.whatIf ? { whatIf: p.whatIf.map((w) => ({ ...w, parameters: sortedKeys(w.parameters) })) } : {}),
      ...(p.history ? { history: p.history.map((h) => ({ ...h, sli: sortedKeys(h.sli) as typeof h.sli })) } : {}),
    })),
  };
}

/**
 * The report as it is committed: without the facts of the run (when, how long), so a rerun on
 * identical data renders byte-identical files, the PR's content hash stays the same, no branch
 * moves and no approval is voided.
 */
export function committedReport(report: Report): Report {
  const { generatedAt: _g, timings: _t, ...rest } = report;
  return rest;
}

/**
 * report.json as people read it in a PR diff: indented objects, but short arrays and objects
 * (per-window counts, intervals, CDFs of the simulation basis) on one line. Plain
 * `JSON.stringify(_, null, 2)` puts every number on its own line and makes the file ~3x larger.
 */
export function formatReportJson(report: Report): string {
  return stringifyCompact(report, { indent: 2, maxLength: 120 });
}
