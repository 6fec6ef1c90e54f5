/**
 * The AI layer as the pipeline sees it: embed endpoint names once, label criticality (which sets
 * the selected variant and the row order), and recommend with priors borrowed from similar
 * endpoints. Everything here is optional: without it the pipeline runs plain `recommend`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AiEnv, type AiSettings } from '../config/ai.js';
import type { Criticality } from '../core/ai-report.js';
import { byCriticality, endpointText, variantFor } from '../core/criticality/index.js';
import { recommend, type RecommendOptions, type RecommendResult } from '../core/recommend/index.js';
import { borrowingPlan, recommendWithBorrowing, withBorrowing, type BorrowingPlan } from '../core/similar/index.js';
import type { BreachPrior } from '../core/recommend/options.js';
import type { Proposal, VariantType } from '../core/report.js';
import { endpointKeyOf, type PlainRecommendOptions } from '../compute/tasks.js';
import type { EndpointHistory } from '../core/types.js';
import type { Vector } from '../core/vectors/index.js';
import { createEmbedder, type Embedder } from '../embeddings/index.js';
import { MAX_EMBED_TEXTS } from '../embeddings/embedder.js';
import type { Logger } from '../logger.js';
import { shippedExemplars } from './catalog.js';
import { assessCriticality, endpointKey, type EndpointRef } from './criticality.js';
import { emptyHints, MAX_HINT_FILE_BYTES, readCatalogInfo, readCodeowners, readOpenApi, type RepoHints } from './repo-hints.js';

export { emptyHints, readCatalogInfo, readCodeowners, readOpenApi, type RepoHints } from './repo-hints.js';

export interface AiLayer {
  embedder: Embedder;
  settings: AiSettings;
  hints: RepoHints;
}

/** The env subset the AI layer reads, parsed (empty strings are unset, as in parseEnv). */
export function aiEnvFrom(source: Record<string, string | undefined>): AiEnv {
  return AiEnv.parse(Object.fromEntries(Object.entries(source).filter(([k, v]) => k in AiEnv.shape && v !== undefined && v !== '')));
}

export async function createAiLayer(d: { settings: AiSettings; env: Partial<AiEnv>; logger: Logger; hints?: RepoHints; fetchFn?: typeof fetch }): Promise<AiLayer> {
  const embedder = await createEmbedder({
    settings: d.settings.embeddings,
    env: d.env,
    logger: d.logger,
    referenceCorpus: shippedExemplars().map((e) => endpointText(e)),
    ...(d.fetchFn ? { fetchFn: d.fetchFn } : {}),
  });
  return { embedder, settings: d.settings, hints: d.hints ?? emptyHints() };
}

/** The repository files the CLI reads from a checkout (relative to `root`), when present. */
export const HINT_FILES = {
  catalog: ['catalog-info.yaml', 'catalog-info.yml'],
  openapi: ['openapi.yaml', 'openapi.yml', 'openapi.json', 'api/openapi.yaml', 'docs/openapi.yaml', 'swagger.yaml', 'swagger.json'],
  codeowners: ['CODEOWNERS', '.github/CODEOWNERS', 'docs/CODEOWNERS'],
};

export function readRepoHints(root: string): RepoHints {
  const hints = emptyHints();
  const read = (rel: string): string | undefined => {
    const p = join(root, rel);
    if (!existsSync(p)) return undefined;
    if (statSync(p).size > MAX_HINT_FILE_BYTES) {
      hints.problems.push(`${rel}: larger than ${MAX_HINT_FILE_BYTES} bytes, ignored`);
      return undefined;
    }
    return readFileSync(p, 'utf8');
  };
  for (const f of HINT_FILES.catalog) { const t = read(f); if (t !== undefined) readCatalogInfo(hints, t, f); }
  for (const f of HINT_FILES.openapi) { const t = read(f); if (t !== undefined) readOpenApi(hints, t, f); }
  const owners = HINT_FILES.codeowners.map(read).find((t) => t !== undefined);
  if (owners !== undefined) readCodeowners(hints, owners);
  return hints;
}

/** recommend over some histories elsewhere (the compute pool), with options as plain data. */
export type PlainRecommender = (histories: EndpointHistory[], options: PlainRecommendOptions) => Promise<RecommendResult>;

/** The selected variant of an endpoint from its criticality label (config's policy); undefined when criticality is off. */
export type VariantChooser = (service: string, endpoint: string | null) => VariantType | undefined;

/** Criticality labels of these endpoints by endpointKey (empty when criticality is off). Per endpoint: a label does not depend on the others. */
export async function criticalityOf(ai: AiLayer, endpoints: readonly EndpointRef[]): Promise<Map<string, Criticality>> {
  const c = ai.settings.criticality;
  if (!c.enabled) return new Map();
  return assessCriticality({ endpoints, embedder: ai.embedder, settings: c, exemplars: [...shippedExemplars(), ...c.exemplars], hints: ai.hints });
}

/** The variant chooser from the labels, or undefined when criticality is off (recommend's own selection). */
export function variantChooser(ai: AiLayer, options: Pick<RecommendOptions, 'selectedVariant'>, labels: ReadonlyMap<string, Criticality>): VariantChooser | undefined {
  const c = ai.settings.criticality;
  if (!c.enabled) return undefined;
  const policy = {
    byLabel: { critical: c.variants.critical, ...(c.variants.standard ? { standard: c.variants.standard } : {}), ...(c.variants.low ? { low: c.variants.low } : {}) },
    byService: Object.fromEntries(Object.entries(c.services).map(([s, v]) => [s, v.variant])),
    fallback: options.selectedVariant ?? 'balanced',
  };
  return (service, endpoint) => variantFor(service, labels.get(endpointKey({ service, endpoint }))?.label, policy);
}

/** The chooser as a table for the compute pool (app/compute/tasks.ts): the same answers, as data. */
export function selectedVariantsOf(histories: readonly EndpointHistory[], variantOf: VariantChooser): Record<string, VariantType> {
  return Object.fromEntries(histories.flatMap((h) => { const v = variantOf(h.service, h.endpoint); return v ? [[endpointKeyOf(h.service, h.endpoint), v]] : []; }));
}

/** Name embeddings of these endpoints by endpointKey (borrowed priors); per text, so any batching gives the same vectors. */
export async function nameVectorsOf(ai: AiLayer, histories: readonly EndpointHistory[]): Promise<Map<string, Vector>> {
  const out = new Map<string, Vector>();
  for (let i = 0; i < histories.length; i += MAX_EMBED_TEXTS) {
    const slice = histories.slice(i, i + MAX_EMBED_TEXTS);
    const vectors = await ai.embedder.embed(slice.map((h) => endpointText({ service: h.service, route: h.endpoint })));
    slice.forEach((h, k) => out.set(endpointKey(h), vectors[k]!));
  }
  return out;
}

/** Each proposal gets its endpoint's label (in place) and the list is ordered critical first. */
export function labelAndOrder(proposals: Proposal[], labels: ReadonlyMap<string, Criticality>): Proposal[] {
  for (const p of proposals) {
    const label = labels.get(endpointKey(p));
    if (label) p.criticality = label;
  }
  return byCriticality(proposals);
}

/**
 * recommend() with the AI layer: criticality picks each endpoint's selected variant (critical leans
 * conservative unless config says otherwise) and orders proposals critical first; thin endpoints
 * borrow priors from similar ones. With `run`, both recommend passes go to it (the compute pool).
 * app/ai/stream.ts does the same per batch while the histories are fetched.
 */
export async function aiRecommend(histories: EndpointHistory[], options: RecommendOptions, ai: AiLayer, logger: Logger, run?: PlainRecommender): Promise<RecommendResult> {
  const started = performance.now();
  const labels = await criticalityOf(ai, histories);
  const variantOf = variantChooser(ai, options, labels);
  const withVariants: RecommendOptions = variantOf ? { ...options, selectedVariantFor: variantOf } : options;
  // On the compute pool the hooks travel as tables (app/compute/tasks.ts): the same answers, as data.
  const { checkpoint: _c, selectedVariantFor: _s, breachPriorFor: _b, ...plain } = options;
  const plainWithVariants: PlainRecommendOptions = variantOf ? { ...plain, selectedVariants: selectedVariantsOf(histories, variantOf) } : plain;
  let result: RecommendResult;
  if (ai.settings.borrowPriors) {
    const names = await nameVectorsOf(ai, histories);
    if (run) {
      const first = await run(histories, plainWithVariants);
      const plan = borrowingPlan(histories, options, names, first);
      result = plan.thin.length ? withBorrowing(first, await run(plan.thin, { ...plainWithVariants, breachPriors: breachPriorsOf(plan) }), plan) : first;
      logger.info({ borrowers: plan.plans.size }, 'priors borrowed from similar endpoints');
    } else {
      const r = recommendWithBorrowing(histories, withVariants, names);
      logger.info({ borrowers: r.borrowers }, 'priors borrowed from similar endpoints');
      result = r;
    }
  } else {
    result = run ? await run(histories, plainWithVariants) : recommend(histories, withVariants);
  }
  const proposals = labelAndOrder(result.proposals, labels);
  logger.info({ provider: ai.embedder.provider, model: ai.embedder.model, labelled: labels.size, ms: Math.round(performance.now() - started) }, 'ai layer applied');
  return { proposals, skipped: result.skipped, calibration: result.calibration, calibrationByService: result.calibrationByService };
}

/** The borrowing plan's priors as the compute pool's table (`key/sli/variant`). */
export function breachPriorsOf(plan: BorrowingPlan): Record<string, BreachPrior> {
  return Object.fromEntries([...plan.plans].flatMap(([k, m]) => [...m].map(([sliVariant, b]) => [`${k}/${sliVariant}`, b.prior])));
}
