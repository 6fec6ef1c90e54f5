import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { silentLogger } from '../../logger.js';
import { OutboundRefusedError, readCappedText, ResponseTooLargeError } from '../outbound.js';

/**
 * Tempo's HTTP search API: `GET /api/search?q=<TraceQL>&start=<unix s>&end=<unix s>&limit=N`.
 * Reply shape per grafana/tempo docs (api_docs "Search"): traces[] with traceID, rootServiceName,
 * rootTraceName, startTimeUnixNano (string), durationMs (omitted when 0), spanSet / spanSets.
 */
const SearchSpan = z.object({
  spanID: z.string(),
  startTimeUnixNano: z.string().optional(),
  durationNanos: z.string().optional(),
  attributes: z.array(z.object({ key: z.string(), value: z.record(z.string(), z.unknown()) })).optional(),
});
const SpanSet = z.object({ spans: z.array(SearchSpan).default([]), matched: z.number().optional() });

export const TempoTrace = z.object({
  traceID: z.string().regex(/^[0-9a-fA-F]{1,32}$/),
  rootServiceName: z.string().optional(),
  rootTraceName: z.string().optional(),
  startTimeUnixNano: z.string().regex(/^\d+$/),
  durationMs: z.number().optional(),
  spanSet: SpanSet.optional(),
  spanSets: z.array(SpanSet).optional(),
});
export type TempoTrace = z.infer<typeof TempoTrace>;

export const TempoSearchResponse = z.object({
  traces: z.array(TempoTrace).default([]),
  metrics: z.record(z.string(), z.unknown()).optional(),
});
export type TempoSearchResponse = z.infer<typeof TempoSearchResponse>;

export class TempoError extends Error {}

export interface TempoClientOptions {
  url: string;
  headers?: Record<string, string>;
  authorization?: string;
  timeoutSeconds?: number;
  retries?: number;
  retryMinMs?: number;
  /** Byte cap of one search reply (default 8 MiB: a search returns a few traces). */
  maxResponseBytes?: number;
  logger?: Logger;
  fetch?: typeof fetch;
}

export interface SearchHit {
  /** 32 hex digits: Tempo drops leading zeros, we restore them so links and ids match other tools. */
  traceId: string;
  rootServiceName?: string;
  rootTraceName?: string;
  /** unix seconds */
  start: number;
  durationSeconds: number;
  /** Slowest matched span's duration in seconds, when the search returned spans. */
  slowestSpanSeconds?: number;
}

export class TempoClient {
  readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly logger: Logger;
  private readonly fetchFn: typeof fetch;
  readonly stats = { queries: 0, seconds: 0 };

  constructor(private readonly options: TempoClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.headers = { Accept: 'application/json', ...(options.headers ?? {}) };
    if (options.authorization) this.headers.Authorization = options.authorization;
    this.logger = options.logger ?? silentLogger;
    this.fetchFn = options.fetch ?? fetch;
  }

  traceUrl(traceId: string): string {
    return `${this.url}/api/traces/${traceId}`;
  }

  async search(q: string, start: number, end: number, limit = 5): Promise<SearchHit[]> {
    const params = new URLSearchParams({ q, start: String(Math.floor(start)), end: String(Math.ceil(end)), limit: String(limit) });
    const url = `${this.url}/api/search?${params.toString()}`;
    const started = performance.now();
    try {
      const text = await pRetry(async () => {
        let res: Response;
        try {
          res = await this.fetchFn(url, { headers: this.headers, signal: AbortSignal.timeout((this.options.timeoutSeconds ?? 30) * 1000) });
        } catch (err) {
          if (err instanceof OutboundRefusedError) throw new AbortError(new TempoError(`Tempo at ${this.url}: ${err.message}`));
          const e = err as Error & { cause?: { code?: string } };
          throw new TempoError(`cannot reach Tempo at ${this.url} (${e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.message)}): check --tempo / datasources.tempo.url`);
        }
        let body: string;
        try {
          body = await readCappedText(res, this.options.maxResponseBytes ?? 8 * 1024 * 1024, `Tempo search ${q}`);
        } catch (err) {
          if (err instanceof ResponseTooLargeError) throw new AbortError(new TempoError(err.message));
          throw new TempoError(`Tempo at ${this.url} broke off the reply for ${q}: ${(err as Error).message}`);
        }
        if (res.ok) return body;
        const err = new TempoError(`Tempo search ${q} failed with HTTP ${res.status}: ${body.slice(0, 200)}${res.status === 400 ? ' (check the TraceQL syntax and the Tempo version: TraceQL needs Tempo >= 2.0)' : ''}`);
        if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new AbortError(err);
        throw err;
      }, { retries: this.options.retries ?? 2, minTimeout: this.options.retryMinMs ?? 300 });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new TempoError(`Tempo at ${this.url} did not return JSON for ${q}: is the URL the Tempo query frontend (port 3200)?`);
      }
      const parsed = TempoSearchResponse.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new TempoError(`Tempo search reply has an unexpected shape at ${issue.path.join('.')}: ${issue.message}`);
      }
      return parsed.data.traces.map(toHit);
    } finally {
      this.stats.queries++;
      this.stats.seconds += (performance.now() - started) / 1000;
      this.logger.debug({ q, start, end }, 'tempo search');
    }
  }
}

function toHit(t: TempoTrace): SearchHit {
  const spans = [...(t.spanSet?.spans ?? []), ...(t.spanSets ?? []).flatMap((s) => s.spans)];
  const slowest = spans.reduce<number | undefined>((max, s) => {
    const d = s.durationNanos === undefined ? undefined : Number(s.durationNanos) / 1e9;
    return d === undefined ? max : Math.max(max ?? 0, d);
  }, undefined);
  // Nanosecond timestamps exceed 2^53: drop the last 6 digits as text before converting.
  const ns = t.startTimeUnixNano;
  const start = ns.length > 6 ? Number(ns.slice(0, -6)) / 1000 : 0;
  return {
    traceId: t.traceID.toLowerCase().padStart(32, '0'),
    ...(t.rootServiceName !== undefined ? { rootServiceName: t.rootServiceName } : {}),
    ...(t.rootTraceName !== undefined ? { rootTraceName: t.rootTraceName } : {}),
    start,
    durationSeconds: (t.durationMs ?? 0) / 1000,
    ...(slowest !== undefined ? { slowestSpanSeconds: slowest } : {}),
  };
}
