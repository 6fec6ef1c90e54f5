/**
 * The Embedder port: text in, L2-normalised vectors out. The pure consumers in app/core (criticality,
 * borrowed priors, capsule merging) take vectors, never an Embedder, so they stay free of I/O.
 * `model` names the vector space: vectors of different models are never compared or stored together.
 */
import type { Vector } from '../core/vectors/index.js';
import type { EmbeddingProvider } from '../config/ai.js';

export interface Embedder {
  readonly provider: EmbeddingProvider;
  /** Vector space id, e.g. "builtin-hash-v1-512", "local:all-MiniLM-L6-v2", "openai:text-embedding-3-small". */
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, same order. Texts longer than MAX_EMBED_CHARS are cut. */
  embed(texts: readonly string[]): Promise<Vector[]>;
  close?(): Promise<void>;
}

/** Endpoint names, log templates and catalog descriptions are short; a cap bounds cost and payload. */
export const MAX_EMBED_CHARS = 1_000;
/** Texts per embed() call; callers with more split them (bounds memory and request size). */
export const MAX_EMBED_TEXTS = 10_000;

export class EmbedderError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'EmbedderError';
  }
}

export function checkInput(texts: readonly string[]): string[] {
  if (texts.length > MAX_EMBED_TEXTS) throw new EmbedderError(`embed() got ${texts.length} texts; at most ${MAX_EMBED_TEXTS} per call — split the batch`);
  // An empty string has no embedding at OpenAI (400); a single space keeps positions aligned.
  return texts.map((t) => (t.length > MAX_EMBED_CHARS ? t.slice(0, MAX_EMBED_CHARS) : t).trim() || ' ');
}

/** Embeds in slices of `size`, preserving order (shared by providers with a per-request limit). */
export async function inBatches(texts: string[], size: number, run: (batch: string[]) => Promise<Vector[]>): Promise<Vector[]> {
  const out: Vector[] = [];
  for (let i = 0; i < texts.length; i += size) out.push(...(await run(texts.slice(i, i + size))));
  return out;
}
