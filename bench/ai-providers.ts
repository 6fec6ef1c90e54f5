/** Embedders the AI benchmarks compare: builtin always, local when a model directory is given, OpenAI when a key is set. */
import { join } from 'node:path';
import { shippedExemplars } from '../app/ai/catalog.js';
import { endpointText } from '../app/core/criticality/index.js';
import { createBuiltinEmbedder, createLocalEmbedder, createOpenAiEmbedder, type Embedder } from '../app/embeddings/index.js';
import { silentLogger } from '../app/logger.js';

export const FIXTURE_MODEL_DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'models');
export const FIXTURE_MODEL = 'tiny-bert';

export function referenceCorpus(): string[] {
  return shippedExemplars().map((e) => endpointText(e));
}

/** builtin; local:<model> for each SLO_SCOUT_MODEL_DIR model (default: the test fixture); openai when OPENAI_API_KEY is set. */
export async function benchEmbedders(): Promise<Array<{ name: string; embedder: Embedder; note: string }>> {
  const out: Array<{ name: string; embedder: Embedder; note: string }> = [
    { name: 'builtin', embedder: createBuiltinEmbedder(referenceCorpus()), note: 'hashed n-grams + IDF, no weights' },
  ];
  const dir = process.env.SLO_SCOUT_MODEL_DIR ?? FIXTURE_MODEL_DIR;
  const model = process.env.SLO_SCOUT_MODEL ?? FIXTURE_MODEL;
  try {
    const note = dir === FIXTURE_MODEL_DIR ? 'test fixture: 2-layer BERT with RANDOM weights (measures the machinery, not meaning)' : 'sentence-embedding model';
    out.push({ name: `local:${model}`, embedder: await createLocalEmbedder({ modelDir: dir, model, logger: silentLogger }), note });
  } catch (err) {
    process.stderr.write(`local provider skipped: ${(err as Error).message}\n`);
  }
  if (process.env.OPENAI_API_KEY) {
    out.push({ name: 'openai', embedder: createOpenAiEmbedder({ apiKey: process.env.OPENAI_API_KEY, ...(process.env.OPENAI_BASE_URL ? { baseUrl: process.env.OPENAI_BASE_URL } : {}), logger: silentLogger }), note: 'text-embedding-3-small' });
  }
  return out;
}
