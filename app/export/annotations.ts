import type { Proposal, Report, VariantType } from '../core/report.js';

/** Annotation keys live under our domain so other tools' keys never collide (Kubernetes convention). */
export const ANNOTATION_PREFIX = 'slo-scout.dev/';
const MAX_LINK_LENGTH = 400;

/**
 * The few string annotations that tie an SLO object back to its analysis: which SLO and variant, the
 * confidence, and one evidence link. The evidence, variants and intervals live in report.json and the
 * PR body; copying them here buried review diffs under kilobytes of JSON.
 */
export function sloScoutAnnotations(_report: Report, proposal: Proposal, selected: VariantType): Record<string, string> {
  const out: Record<string, string> = {
    [`${ANNOTATION_PREFIX}slo-id`]: proposal.sloId,
    [`${ANNOTATION_PREFIX}selected-variant`]: selected,
    [`${ANNOTATION_PREFIX}confidence`]: String(proposal.confidence),
  };
  // A Grafana Explore link can run to kilobytes of encoded JSON: past the cap, point at report.json.
  const link = proposal.evidence.find((e) => e.url && e.url.length <= MAX_LINK_LENGTH)?.url;
  out[`${ANNOTATION_PREFIX}evidence`] = link ?? 'report.json';
  return out;
}
