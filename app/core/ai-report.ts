/** Report fields the AI layer adds to a proposal (docs/ai.md); optional so reports without it stay valid. */
import { z } from 'zod';

export const CriticalityLabel = z.enum(['critical', 'standard', 'low']);
export type CriticalityLabel = z.infer<typeof CriticalityLabel>;

export const CriticalityNeighbour = z.object({ service: z.string(), route: z.string(), label: CriticalityLabel, similarity: z.number() });

export const Criticality = z.object({
  label: CriticalityLabel,
  /** Share of the neighbours' similarity weight that voted for the label (1 when stated by the repository). */
  score: z.number(),
  /** Where the label came from: nearest exemplars, a repository file, or the config. */
  source: z.enum(['exemplars', 'catalog-info', 'openapi', 'config', 'default']),
  /** One line for the PR, e.g. "like payments /v1/charge and checkout /pay (0.83)". */
  reason: z.string(),
  neighbours: z.array(CriticalityNeighbour),
});
export type Criticality = z.infer<typeof Criticality>;

export const BorrowedFrom = z.object({
  service: z.string(),
  endpoint: z.string().nullable(),
  similarity: z.number(),
  /** Share of the prior's weight this neighbour contributed (0..1). */
  weight: z.number(),
});

export const Borrowed = z.object({
  /** Why this endpoint borrowed: new, low traffic, or both. */
  because: z.string(),
  /** Prior strength in windows of evidence, and its share of the posterior (how much was borrowed). */
  priorWindows: z.number(),
  share: z.number(),
  from: z.array(BorrowedFrom),
});
export type Borrowed = z.infer<typeof Borrowed>;
