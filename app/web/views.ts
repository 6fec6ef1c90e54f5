/**
 * Report -> API responses of the details pages. No I/O: the routes fetch the report (database or
 * demo) and hand it here; every response is parsed with its schema before it leaves the server.
 */
import type { Proposal, Report } from '../core/report.js';
import { simulateSlo, simulationInputFromReport, SimulationError, type SimulationInput } from '../core/simulate/index.js';
import { periodSecondsOf, safeName } from '../export/common.js';
import { renderOpenSlo } from '../export/openslo.js';
import { renderPrometheusRules } from '../export/prometheus-rules.js';
import { windowsPerPeriod } from '../core/breach-format.js';
import { Overview, SloDetail, WhatIfResponse, type OverviewRow, type WhatIfRequest } from './schema.js';

/** Bad share of valid events over the analysed history / allowed bad share: 1 = the whole budget. */
export function budgetBurn(p: Proposal): number | null {
  const v = p.variants.find((x) => x.type === p.selectedVariant);
  if (!v || !p.history?.length) return null;
  let total = 0;
  let bad = 0;
  for (const h of p.history) {
    const sli = h.sli[p.selectedVariant];
    if (sli === null || sli === undefined || !(h.total > 0)) continue;
    total += h.total;
    bad += h.total * (1 - sli);
  }
  const allowed = 1 - v.target / 100;
  if (total === 0 || allowed <= 0) return null;
  return bad / total / allowed;
}

export function overviewOf(repo: string, report: Report, demo: boolean): Overview {
  const slos: OverviewRow[] = report.proposals.map((p) => {
    const v = p.variants.find((x) => x.type === p.selectedVariant) ?? p.variants[0]!;
    return {
      sloId: p.sloId, service: p.service, endpoint: p.endpoint, sli: p.sli, selectedVariant: p.selectedVariant,
      target: v.target, thresholdSeconds: v.thresholdSeconds, expectedBreachRate: v.expectedBreachRate, breachRateInterval: v.breachRateInterval,
      windowsPerPeriod: windowsPerPeriod(report.breachWindow, report.period ?? report.window), budgetBurn: budgetBurn(p), confidence: p.confidence, warnings: p.warnings,
    };
  });
  return Overview.parse({
    repo, demo, generatedAt: report.generatedAt, end: report.end, window: report.window, breachWindow: report.breachWindow, slos, skipped: report.skipped ?? [],
  });
}

export function findProposal(report: Report, sloId: string): Proposal | undefined {
  return report.proposals.find((p) => p.sloId === sloId);
}

export function sloDetailOf(repo: string, report: Report, proposal: Proposal, demo: boolean): SloDetail {
  const periodSeconds = periodSecondsOf(report);
  const base = `slos/${safeName(proposal.service)}/${safeName(proposal.sloId)}`;
  const basis = proposal.simulationBasis;
  const lastWindow = basis?.windows[basis.windows.length - 1];
  return SloDetail.parse({
    repo, demo, sloId: proposal.sloId, service: proposal.service, endpoint: proposal.endpoint, sli: proposal.sli,
    selectedVariant: proposal.selectedVariant, confidence: proposal.confidence, confidenceComponents: proposal.confidenceComponents,
    warnings: proposal.warnings, variants: proposal.variants, evidence: proposal.evidence, breachRateMethod: proposal.breachRateMethod ?? null,
    history: proposal.history ?? [], breachWindow: report.breachWindow, windowsPerPeriod: windowsPerPeriod(report.breachWindow, report.period ?? report.window),
    files: [
      { path: `${base}.openslo.yaml`, content: renderOpenSlo(report, proposal, { periodSeconds }) },
      { path: `${base}.rules.yaml`, content: renderPrometheusRules(report, proposal, { periodSeconds }) },
    ],
    simulation: basis ? {
      versions: basis.versions.map((v) => v.name),
      replicas: basis.replicasKnown && lastWindow ? (lastWindow.replicas[lastWindow.replicas.length - 1] ?? null) : null,
    } : null,
  });
}

/** Fewer draws than the CLI's 2000: the page redraws while a slider moves and must answer in well under 300 ms. */
export const WHAT_IF_DRAWS = 500;

const inputs = new WeakMap<Report, SimulationInput>();

/** Runs the simulator for one SLO; throws SimulationError (-> 400) for an unknown SLO or version. */
export function whatIfOf(report: Report, request: WhatIfRequest, now: () => number): WhatIfResponse {
  const started = now();
  let input = inputs.get(report);
  if (!input) {
    input = simulationInputFromReport(report);
    inputs.set(report, input);
  }
  const slo = input.slos.find((s) => s.sloId === request.sloId);
  if (!slo) throw new SimulationError(`SLO "${request.sloId}" has no simulation data in this report (it was analysed without hourly history)`);
  const result = simulateSlo({ slos: [slo] }, {
    service: slo.service, sloId: slo.sloId, draws: WHAT_IF_DRAWS,
    ...(request.replicas !== undefined ? { replicaCount: request.replicas } : {}),
    ...(request.trafficMultiplier !== undefined ? { trafficMultiplier: request.trafficMultiplier } : {}),
    ...(request.canaryPercentage !== undefined ? { canaryPercentage: request.canaryPercentage } : {}),
    ...(request.version !== undefined ? { deploymentVersion: request.version } : {}),
  }).slos[0]!;
  return WhatIfResponse.parse({
    sloId: slo.sloId, scenario: result.scenario,
    variants: result.variants.map((v) => ({
      type: v.type, target: v.target, baselineBreachRate: v.baselineBreachRate, projectedBreachRate: v.projectedBreachRate,
      confidenceInterval: v.confidenceInterval, confidenceLevel: v.confidenceLevel, budgetConsumedShare: v.errorBudgetImpact.budgetConsumedShare,
      baselineBudgetConsumedShare: v.baselineErrorBudgetImpact.budgetConsumedShare, daysToExhaustion: v.errorBudgetImpact.daysToExhaustion,
    })),
    utilisation: result.utilisation, warnings: result.warnings, elapsedMs: now() - started,
  });
}
