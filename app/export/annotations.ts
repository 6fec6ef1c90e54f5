import type { Proposal, Report, VariantType } from '../core/report.js';

/** Annotation keys live under our domain so other tools' keys never collide (Kubernetes convention). */
export const ANNOTATION_PREFIX = 'slo-scout.dev/';

/**
 * Everything a reviewer needs to trace the enforced numbers back to the analysis, as string annotations
 * (OpenSLO metadata.annotations and Kubernetes annotations are string maps, so structured values are compact JSON).
 */
export function sloScoutAnnotations(report: Report, proposal: Proposal, selected: VariantType): Record<string, string> {
  const out: Record<string, string> = {
    [`${ANNOTATION_PREFIX}slo-id`]: proposal.sloId,
    [`${ANNOTATION_PREFIX}selected-variant`]: selected,
    [`${ANNOTATION_PREFIX}proposed-variant`]: proposal.selectedVariant,
    [`${ANNOTATION_PREFIX}confidence`]: String(proposal.confidence),
    [`${ANNOTATION_PREFIX}confidence-components`]: JSON.stringify(proposal.confidenceComponents),
    [`${ANNOTATION_PREFIX}analysis`]: JSON.stringify({ window: report.window, breachWindow: report.breachWindow, end: report.end }),
  };
  if (proposal.breachRateMethod) out[`${ANNOTATION_PREFIX}breach-rate-method`] = proposal.breachRateMethod;
  for (const v of proposal.variants) {
    out[`${ANNOTATION_PREFIX}variant-${v.type}`] = JSON.stringify({
      pValue: v.pValue,
      target: v.target,
      thresholdSeconds: v.thresholdSeconds,
      expectedBreachRate: v.expectedBreachRate,
      breachRateInterval: v.breachRateInterval,
      historicalCompliance: v.historicalCompliance,
      errorBudgetMinutesPerPeriod: v.errorBudget.minutesPerPeriod,
    });
  }
  if (proposal.warnings.length > 0) out[`${ANNOTATION_PREFIX}warnings`] = JSON.stringify(proposal.warnings);
  if (proposal.evidence.length > 0) {
    out[`${ANNOTATION_PREFIX}evidence`] = JSON.stringify(proposal.evidence.map((e) => ({
      kind: e.kind,
      description: e.description,
      ...(e.url ? { url: e.url } : {}),
      ...(e.start ? { start: e.start } : {}),
      ...(e.end ? { end: e.end } : {}),
      ...(e.traceId ? { traceId: e.traceId } : {}),
      ...(e.value !== undefined ? { value: e.value } : {}),
    })));
  }
  return out;
}
