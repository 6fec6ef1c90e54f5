/**
 * The recommendation engine (pure): per endpoint, a latency and an availability SLO proposal,
 * each with three variants, breach-rate intervals, confidence, warnings and evidence.
 * See docs/recommendation.md for the model.
 */
import type { Proposal } from '../report.js';
import type { EndpointHistory } from '../types.js';
import { endpointContext } from './context.js';
import { resolveOptions, type RecommendOptions } from './options.js';
import { buildProposal } from './proposal.js';

export type { RecommendOptions } from './options.js';
export { DEFAULT_PERCENTILES, DEFAULT_COMPLIANCE_GOALS, DEFAULT_EXCLUDE } from './options.js';
export { slug, sloIdFor } from './context.js';
export { detectRegimeChange, type RegimeChange } from './regime.js';
export { estimateBreachRate } from './bootstrap.js';

export interface RecommendResult {
  proposals: Proposal[];
  skipped: Array<{ service: string; endpoint: string | null; reason: string }>;
}

export function recommend(histories: EndpointHistory[], options: RecommendOptions): RecommendResult {
  const o = resolveOptions(options);
  const proposals: Proposal[] = [];
  const skipped: RecommendResult['skipped'] = [];
  for (const h of histories) {
    options.checkpoint?.();
    const ctx = endpointContext(h, o);
    if ('skip' in ctx) {
      skipped.push({ service: h.service, endpoint: h.endpoint, reason: ctx.skip });
      continue;
    }
    for (const kind of ['latency', 'availability'] as const) {
      const p = buildProposal(ctx, kind);
      if (p) proposals.push(p);
    }
  }
  return { proposals, skipped };
}
