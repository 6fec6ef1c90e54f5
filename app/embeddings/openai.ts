/**
 * OpenAI embeddings (POST {base}/embeddings, https://platform.openai.com/docs/api-reference/embeddings).
 * Batches of up to `batchSize` inputs per request (the API takes 2048), retries on 429 and 5xx with
 * exponential backoff honouring Retry-After, and caps the reply size. The key comes from the
 * environment only. What leaves the machine: the texts embedded (service and route names, OpenAPI
 * summaries, log templates after masking) — see docs/ai.md#privacy.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import { z } from 'zod';
import { normalize, type Vector } from '../core/vectors/index.js';
import { OutboundRefusedError } from '../telemetry/outbound.js';
import { checkInput, EmbedderError, inBatches, type Embedder } from './embedder.js';

const EmbeddingsReply = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ object: z.literal('embedding'), index: z.number().int().min(0), embedding: z.array(z.number()) })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }).optional(),
});
type EmbeddingsReply = z.infer<typeof EmbeddingsReply>;
const ErrorReply = z.object({ error: z.object({ message: z.string(), type: z.string().optional(), code: z.string().nullable().optional() }) });

export interface OpenAiEmbedderOptions {
  apiKey: string;
  baseUrl?: string;
  model?: string;
  dimensions?: number;
  batchSize?: number;
  retries?: number;
  retryMinMs?: number;
  timeoutMs?: number;
  /** Replies larger than this are refused (a 2048-input batch of 3072 floats is ~60 MB; 256 × 1536 ~8 MB). */
  maxReplyBytes?: number;
  logger: Logger;
  /** The app and the CLI pass their outbound-guarded fetch (app/telemetry/outbound.ts): OPENAI_BASE_URL is checked like every other outbound URL. */
  fetchFn?: typeof fetch;
}

const DEFAULT_MODEL = 'text-embedding-3-small';
/** Dimensions of the models the docs list, so `dimensions` is known before the first call. */
const KNOWN_DIMENSIONS: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };

export function createOpenAiEmbedder(o: OpenAiEmbedderOptions): Embedder {
  const base = (o.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const url = new URL(`${base}/embeddings`);
  if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
    throw new EmbedderError(`OPENAI_BASE_URL ${base} is not https: the API key would travel in clear text; use https (plain http only for localhost)`);
  }
  const model = o.model ?? DEFAULT_MODEL;
  const dimensions = o.dimensions ?? KNOWN_DIMENSIONS[model];
  if (dimensions === undefined) throw new EmbedderError(`ai.embeddings.dimensions is required for OpenAI model "${model}" (known: ${Object.keys(KNOWN_DIMENSIONS).join(', ')})`);
  const batchSize = Math.min(2048, Math.max(1, o.batchSize ?? 256));
  const maxReply = o.maxReplyBytes ?? 64 * 1024 * 1024;
  const fetchFn = o.fetchFn ?? fetch;
  const log = o.logger.child({ provider: 'openai', model });

  async function attempt(input: string[]): Promise<EmbeddingsReply> {
    let res: Response;
    try {
      res = await fetchFn(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${o.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model, input, encoding_format: 'float', ...(o.dimensions ? { dimensions: o.dimensions } : {}) }),
        signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
      });
    } catch (err) {
      // The outbound allow-list refused the base URL: the same on every retry, and the caller
      // (engine) must see the refusal to fail the job for good with its message.
      if (err instanceof OutboundRefusedError) throw new AbortError(err);
      const e = err as Error & { cause?: { code?: string } };
      throw new EmbedderError(`cannot reach ${url.origin} (${e.name === 'TimeoutError' ? 'timed out' : e.cause?.code ?? e.message}): check OPENAI_BASE_URL and the network`);
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > maxReply) throw new AbortError(new EmbedderError(`OpenAI reply of ${length} bytes is over the ${maxReply}-byte cap: lower the batch size`));
    const text = await res.text();
    if (text.length > maxReply) throw new AbortError(new EmbedderError(`OpenAI reply of ${text.length} bytes is over the ${maxReply}-byte cap: lower the batch size`));
    if (!res.ok) {
      const parsed = ErrorReply.safeParse(safeJson(text));
      const detail = parsed.success ? parsed.data.error.message.slice(0, 300) : `HTTP ${res.status}`;
      const err = new EmbedderError(`OpenAI embeddings answered HTTP ${res.status}: ${detail}`, res.status);
      if (res.status === 429 || res.status >= 500) {
        const wait = retryAfterMs(res.headers.get('retry-after'));
        if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 30_000)));
        throw err;
      }
      if (res.status === 401) throw new AbortError(new EmbedderError('OpenAI refused the API key (HTTP 401): check OPENAI_API_KEY', 401));
      throw new AbortError(err);
    }
    const parsed = EmbeddingsReply.safeParse(safeJson(text));
    if (!parsed.success) throw new AbortError(new EmbedderError(`OpenAI embeddings reply has an unexpected shape: ${parsed.error.issues[0]?.message} at ${parsed.error.issues[0]?.path.join('.')}`));
    return parsed.data;
  }

  async function batch(input: string[]): Promise<Vector[]> {
    const reply = await pRetry(() => attempt(input), {
      retries: o.retries ?? 4,
      minTimeout: o.retryMinMs ?? 500,
      factor: 2,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0) log.warn({ attemptNumber, retriesLeft, err: error.message, inputs: input.length }, 'openai embeddings request failed, retrying');
      },
    });
    const out: Array<Vector | undefined> = new Array(input.length);
    for (const d of reply.data) {
      if (d.index >= input.length || d.embedding.length !== dimensions) {
        throw new EmbedderError(`OpenAI returned embedding index ${d.index} of length ${d.embedding.length}; expected indices < ${input.length} and length ${dimensions}: set ai.embeddings.dimensions to match the model`);
      }
      out[d.index] = normalize(Float32Array.from(d.embedding));
    }
    const missing = out.findIndex((v) => v === undefined);
    if (missing >= 0) throw new EmbedderError(`OpenAI returned ${reply.data.length} embeddings for ${input.length} inputs (index ${missing} missing)`);
    return out as Vector[];
  }

  return {
    provider: 'openai',
    model: `openai:${model}${o.dimensions ? `@${o.dimensions}` : ''}`,
    dimensions,
    embed: async (texts) => inBatches(checkInput(texts), batchSize, batch),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date; 0 when absent or unparsable. */
function retryAfterMs(value: string | null): number {
  if (!value) return 0;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 0;
}
