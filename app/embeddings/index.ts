/**
 * Picks the embedding provider: env SLO_SCOUT_EMBEDDINGS over `ai.embeddings.provider` over the
 * default `builtin`. Errors say which setting to change.
 */
import type { Logger } from 'pino';
import type { AiEnv, EmbeddingsSettings } from '../config/ai.js';
import { createBuiltinEmbedder } from './builtin.js';
import { EmbedderError, type Embedder } from './embedder.js';
import { createLocalEmbedder } from './local.js';
import { createOpenAiEmbedder } from './openai.js';

export { EmbedderError, MAX_EMBED_CHARS, type Embedder } from './embedder.js';
export { createBuiltinEmbedder } from './builtin.js';
export { createLocalEmbedder } from './local.js';
export { createOpenAiEmbedder } from './openai.js';

export interface EmbedderDeps {
  settings: EmbeddingsSettings;
  env: Partial<AiEnv>;
  logger: Logger;
  /** Reference texts for the builtin IDF table (the shipped catalog; see app/ai/catalog.ts). */
  referenceCorpus: readonly string[];
  fetchFn?: typeof fetch;
}

export async function createEmbedder(d: EmbedderDeps): Promise<Embedder> {
  const provider = d.env.SLO_SCOUT_EMBEDDINGS ?? d.settings.provider;
  switch (provider) {
    case 'builtin':
      return createBuiltinEmbedder(d.referenceCorpus);
    case 'local': {
      if (!d.env.SLO_SCOUT_MODEL_DIR) throw new EmbedderError('ai.embeddings.provider is local but SLO_SCOUT_MODEL_DIR is not set: point it at the folder holding the model folder (e.g. /models with /models/all-MiniLM-L6-v2/)');
      return createLocalEmbedder({
        modelDir: d.env.SLO_SCOUT_MODEL_DIR,
        model: d.settings.model ?? 'all-MiniLM-L6-v2',
        allowRemote: d.env.SLO_SCOUT_ALLOW_REMOTE_MODELS === 'true',
        logger: d.logger,
      });
    }
    case 'openai': {
      if (!d.env.OPENAI_API_KEY) throw new EmbedderError('ai.embeddings.provider is openai but OPENAI_API_KEY is not set: set it in the environment (never in .slo-scout.yml)');
      return createOpenAiEmbedder({
        apiKey: d.env.OPENAI_API_KEY,
        ...(d.env.OPENAI_BASE_URL ? { baseUrl: d.env.OPENAI_BASE_URL } : {}),
        ...(d.settings.model ? { model: d.settings.model } : {}),
        ...(d.settings.dimensions ? { dimensions: d.settings.dimensions } : {}),
        logger: d.logger,
        ...(d.fetchFn ? { fetchFn: d.fetchFn } : {}),
      });
    }
  }
}
