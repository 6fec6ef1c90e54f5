import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbedder, createLocalEmbedder, EmbedderError } from '../../app/embeddings/index.js';
import { silentLogger } from '../../app/logger.js';

// scripts/make-tiny-model.py: a 2-layer BERT with random weights, and the mean-pooled, normalised
// vectors torch computed for two token sequences ([CLS] n x [SEP] and [CLS] o [SEP] + padding).
const MODELS = join(import.meta.dirname, '..', 'fixtures', 'models');
const reference = JSON.parse(readFileSync(join(MODELS, 'tiny-bert', 'reference.json'), 'utf8')) as { pooled: number[][] };

describe('the local provider (transformers.js + ONNX Runtime on the CPU)', () => {
  it('loads a model from a local folder and reproduces torch\'s mean-pooled, normalised vectors', async () => {
    const e = await createLocalEmbedder({ modelDir: MODELS, model: 'tiny-bert', logger: silentLogger });
    expect(e.dimensions).toBe(32);
    expect(e.model).toBe('local:tiny-bert');
    const [a, b] = await e.embed(['n x', 'o']);
    for (const [got, want] of [[a!, reference.pooled[0]!], [b!, reference.pooled[1]!]] as const) {
      expect(Array.from(got).map((x) => Math.round(x * 1e4) / 1e4)).toEqual(want.map((x) => Math.round(x * 1e4) / 1e4));
    }
    await e.close?.();
  }, 60_000);

  it('keeps order across batches and gives the same vector for the same text', async () => {
    const e = await createLocalEmbedder({ modelDir: MODELS, model: 'tiny-bert', batchSize: 2, logger: silentLogger });
    const texts = ['payments POST /v1/charges', 'reports GET /reports/daily', 'n x', 'payments POST /v1/charges', 'o'];
    const v = await e.embed(texts);
    expect(v).toHaveLength(5);
    expect(Array.from(v[3]!)).toEqual(Array.from(v[0]!));
    expect(Array.from(v[2]!).map((x) => Math.round(x * 1e4) / 1e4)).toEqual(reference.pooled[0]!.map((x) => Math.round(x * 1e4) / 1e4));
    expect(Math.hypot(...v[1]!)).toBeCloseTo(1, 5);
  }, 60_000);

  it('refuses a missing model with the fix, and does not download it', async () => {
    await expect(createLocalEmbedder({ modelDir: MODELS, model: 'all-MiniLM-L6-v2', logger: silentLogger }))
      .rejects.toThrow(/missing config\.json, tokenizer\.json, onnx\/model\.onnx.*SLO_SCOUT_ALLOW_REMOTE_MODELS=true/);
  });

  it('is chosen by SLO_SCOUT_EMBEDDINGS over the config, and needs SLO_SCOUT_MODEL_DIR', async () => {
    const deps = { settings: { provider: 'builtin' as const, model: 'tiny-bert' }, logger: silentLogger, referenceCorpus: [] };
    await expect(createEmbedder({ ...deps, env: { SLO_SCOUT_EMBEDDINGS: 'local' } })).rejects.toThrow(/SLO_SCOUT_MODEL_DIR/);
    const e = await createEmbedder({ ...deps, env: { SLO_SCOUT_EMBEDDINGS: 'local', SLO_SCOUT_MODEL_DIR: MODELS } });
    expect(e.provider).toBe('local');
    expect((await createEmbedder({ ...deps, env: {} })).provider).toBe('builtin');
    await expect(createEmbedder({ ...deps, settings: { provider: 'openai' }, env: {} })).rejects.toThrow(EmbedderError);
  }, 60_000);
});
