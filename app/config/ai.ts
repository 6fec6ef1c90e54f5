import { z } from 'zod';

/**
 * The `ai:` section of `.slo-scout.yml` (docs/ai.md): which embedding provider backs criticality,
 * borrowed priors and capsule merging, and the criticality catalog's extensions. No secrets here:
 * the OpenAI key is read from the environment only (OPENAI_API_KEY), never from repository files.
 */

export const EMBEDDING_PROVIDERS = ['builtin', 'local', 'openai'] as const;
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

export const CRITICALITY_LABELS = ['critical', 'standard', 'low'] as const;
export type CriticalityLabel = (typeof CRITICALITY_LABELS)[number];

const Variant = z.enum(['conservative', 'balanced', 'aggressive']);

export const EmbeddingsSettings = z.object({
  /** `builtin` needs nothing; `local` needs a model directory; `openai` sends text to the API (docs/ai.md#privacy). */
  provider: z.enum(EMBEDDING_PROVIDERS).default('builtin'),
  /** Model name: a folder under SLO_SCOUT_MODEL_DIR for `local`, an API model for `openai`. */
  model: z.string().regex(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)?$/, 'a model name such as all-MiniLM-L6-v2 or text-embedding-3-small (no path separators beyond one "/")').optional(),
  /** OpenAI text-embedding-3-* only: shorter vectors (e.g. 384) cost less storage. */
  dimensions: z.number().int().min(16).max(3072).optional(),
}).strict();
export type EmbeddingsSettings = z.infer<typeof EmbeddingsSettings>;

export const CriticalityExemplar = z.object({
  service: z.string().min(1).max(100),
  route: z.string().min(1).max(300),
  method: z.string().regex(/^[A-Za-z]{3,7}$/, 'an HTTP method such as GET or POST').optional(),
  label: z.enum(CRITICALITY_LABELS),
}).strict();
export type CriticalityExemplar = z.infer<typeof CriticalityExemplar>;

export const CriticalitySettings = z.object({
  enabled: z.boolean().default(true),
  /** Variant selected by default per label; critical leans conservative. */
  variants: z.object({ critical: Variant.default('conservative'), standard: Variant.optional(), low: Variant.optional() }).strict().default({ critical: 'conservative' }),
  /** Per service: pin the label and/or the selected variant. */
  services: z.record(z.string().min(1), z.object({ label: z.enum(CRITICALITY_LABELS).optional(), variant: Variant.optional() }).strict()).default({}),
  /** Your own labelled endpoints, added to the shipped catalog (templates/criticality/exemplars.yaml). */
  exemplars: z.array(CriticalityExemplar).max(2000).default([]),
}).strict();
export type CriticalitySettings = z.infer<typeof CriticalitySettings>;

export const AiSettings = z.object({
  embeddings: EmbeddingsSettings.default({ provider: 'builtin' }),
  criticality: CriticalitySettings.default(CriticalitySettings.parse({})),
  /** Borrow strength from similar endpoints for new and low-traffic endpoints (docs/ai.md#borrowed-priors). */
  borrowPriors: z.boolean().default(true),
}).strict();
export type AiSettings = z.infer<typeof AiSettings>;

/** Environment for the AI layer; operator-controlled, so the key and model directory live here. */
export const AiEnv = z.object({
  /** Overrides ai.embeddings.provider (e.g. force `builtin` in CI). */
  SLO_SCOUT_EMBEDDINGS: z.enum(EMBEDDING_PROVIDERS).optional(),
  /** Directory holding local models, one folder per model (config.json, tokenizer.json, onnx/model.onnx). */
  SLO_SCOUT_MODEL_DIR: z.string().min(1).optional(),
  /** `true` lets the local provider download a missing model from the Hugging Face Hub. */
  SLO_SCOUT_ALLOW_REMOTE_MODELS: z.enum(['true', 'false']).default('false'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().refine((v) => URL.canParse(v), { message: 'must be a URL such as https://api.openai.com/v1' }).default('https://api.openai.com/v1'),
});
export type AiEnv = z.infer<typeof AiEnv>;
