/**
 * Local sentence embeddings with @huggingface/transformers (ONNX Runtime on the CPU): a model such
 * as all-MiniLM-L6-v2 is loaded from a directory on this machine, token embeddings are mean-pooled
 * over the attention mask and L2-normalised (the sentence-transformers recipe for that model).
 * Nothing leaves the machine. Remote download from the Hugging Face Hub is off unless the operator
 * sets SLO_SCOUT_ALLOW_REMOTE_MODELS=true.
 *
 * Layout of `<modelDir>/<model>/`: config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Transformers from '@huggingface/transformers';
import type { Logger } from 'pino';
import type { Vector } from '../core/vectors/index.js';
import { checkInput, EmbedderError, inBatches, type Embedder } from './embedder.js';

export interface LocalEmbedderOptions {
  modelDir: string;
  model: string;
  allowRemote?: boolean;
  batchSize?: number;
  logger: Logger;
}

interface Tensor { dims: number[]; data: Float32Array | number[]; dispose?(): void }
type Extractor = ((texts: string[], o: { pooling: 'mean'; normalize: boolean }) => Promise<Tensor>) & { dispose?(): Promise<void> };

export async function createLocalEmbedder(o: LocalEmbedderOptions): Promise<Embedder> {
  const here = join(o.modelDir, o.model);
  const needed = ['config.json', 'tokenizer.json', join('onnx', 'model.onnx')];
  const missing = needed.filter((f) => !existsSync(join(here, f)));
  if (missing.length && !o.allowRemote) {
    throw new EmbedderError(`local embedding model "${o.model}" is incomplete in ${here} (missing ${missing.join(', ')}): ` +
      'put an ONNX export there (docs/ai.md#local-models), or set SLO_SCOUT_ALLOW_REMOTE_MODELS=true to download it once');
  }
  let transformers: typeof Transformers;
  try {
    transformers = await import('@huggingface/transformers');
  } catch (err) {
    throw new EmbedderError(`the local provider needs @huggingface/transformers and onnxruntime-node (${(err as Error).message}); run npm install, or use ai.embeddings.provider: builtin`);
  }
  const { env, pipeline } = transformers;
  env.allowLocalModels = true;
  env.localModelPath = o.modelDir;
  env.allowRemoteModels = o.allowRemote === true;
  const started = performance.now();
  let extractor: Extractor;
  try {
    extractor = (await pipeline('feature-extraction', o.model, { dtype: 'fp32', device: 'cpu', local_files_only: !o.allowRemote })) as unknown as Extractor;
  } catch (err) {
    throw new EmbedderError(`cannot load local embedding model "${o.model}" from ${here}: ${(err as Error).message}`);
  }
  // One probe tells the width; models differ (MiniLM 384, bge-base 768).
  const probe = await extractor(['probe'], { pooling: 'mean', normalize: true });
  const dimensions = probe.dims[probe.dims.length - 1]!;
  o.logger.info({ model: o.model, dimensions, loadMs: Math.round(performance.now() - started) }, 'local embedding model loaded');
  const batchSize = Math.max(1, o.batchSize ?? 32);

  async function batch(input: string[]): Promise<Vector[]> {
    const t = await extractor(input, { pooling: 'mean', normalize: true });
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    const out: Vector[] = [];
    for (let i = 0; i < input.length; i++) out.push(data.slice(i * dimensions, (i + 1) * dimensions));
    t.dispose?.();
    return out;
  }

  return {
    provider: 'local',
    model: `local:${o.model}`,
    dimensions,
    embed: async (texts) => inBatches(checkInput(texts), batchSize, batch),
    close: async () => { await extractor.dispose?.(); },
  };
}
