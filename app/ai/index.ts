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
import { borrowingPlan, recommendWithBorrowing, withBorrowing } from '../core/similar/index.js';
import { endpointKeyOf, type PlainRecommendOptions } from '../compute/tasks.js';
import type { EndpointHistory } from '../core/types.js';
import type { Vector } from '../core/vectors/index.js';
import { createEmbedder, type Embedder } from '../embeddings/index.js';
import type { Logger } from '../logger.js';
import { shippedExemplars } from './catalog.js';
import { assessCriticality, endpointKey } from './criticality.js';
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

/**
 * recommend() with the AI layer: criticality picks each endpoint's selected variant (critical leans
 * conservative unless config says otherwise) and orders proposals critical first; thin endpoints
 * borrow priors from similar ones. With `run`, both recommend passes go to it (the compute pool).
 */
export async function aiRecommend(histories: EndpointHistory[], options: RecommendOptions, ai: AiLayer, logger: Logger, run?: PlainRecommender): Promise<RecommendResult> {
  const started = performance.now();
  const c = ai.settings.criticality;
  let labels = new Map<string, Criticality>();
  if (c.enabled) {
    labels = await assessCriticality({ endpoints: histories, embedder: ai.embedder, settings: c, exemplars: [...shippedExemplars(), ...c.exemplars], hints: ai.hints });
  }
  const policy = {
    byLabel: { critical: c.variants.critical, ...(c.variants.standard ? { standard: c.variants.standard } : {}), ...(c.variants.low ? { low: c.variants.low } : {}) },
    byService: Object.fromEntries(Object.entries(c.services).map(([s, v]) => [s, v.variant])),
    fallback: options.selectedVariant ?? 'balanced',
  };
  const variantOf = (service: string, endpoint: string | null) => variantFor(service, labels.get(endpointKey({ service, endpoint }))?.label, policy);
  const withVariants: RecommendOptions = c.enabled ? { ...options, selectedVariantFor: variantOf } : options;
  // On the compute pool the hooks travel as tables (app/compute/tasks.ts): the same answers, as data.
  const { checkpoint: _c, selectedVariantFor: _s, breachPriorFor: _b, ...plain } = options;
  const plainWithVariants: PlainRecommendOptions = c.enabled
    ? { ...plain, selectedVariants: Object.fromEntries(histories.flatMap((h) => { const v = variantOf(h.service, h.endpoint); return v ? [[endpointKeyOf(h.service, h.endpoint), v]] : []; })) }
    : plain;
  let result: RecommendResult;
  if (ai.settings.borrowPriors) {
    const vectors = await ai.embedder.embed(histories.map((h) => endpointText({ service: h.service, route: h.endpoint })));
    const names = new Map<string, Vector>(histories.map((h, i) => [endpointKey(h), vectors[i]!]));
    if (run) {
      const first = await run(histories, plainWithVariants);
      const plan = borrowingPlan(histories, options, names, first);
      const breachPriors = Object.fromEntries([...plan.plans].flatMap(([k, m]) => [...m].map(([sliVariant, b]) => [`${k}/${sliVariant}`, b.prior])));
      result = plan.thin.length ? withBorrowing(first, await run(plan.thin, { ...plainWithVariants, breachPriors }), plan) : first;
      logger.info({ borrowers: plan.plans.size }, 'priors borrowed from similar endpoints');
    } else {
      const r = recommendWithBorrowing(histories, withVariants, names);
      logger.info({ borrowers: r.borrowers }, 'priors borrowed from similar endpoints');
      result = r;
    }
  } else {
    result = run ? await run(histories, plainWithVariants) : recommend(histories, withVariants);
  }
  const proposals = byCriticality(result.proposals.map((p) => {
    const label = labels.get(endpointKey(p));
    return label ? { ...p, criticality: label } : p;
  }));
  logger.info({ provider: ai.embedder.provider, model: ai.embedder.model, labelled: labels.size, ms: Math.round(performance.now() - started) }, 'ai layer applied');
  return { proposals, skipped: result.skipped, calibration: result.calibration, calibrationByService: result.calibrationByService };
}
