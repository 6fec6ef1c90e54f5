import type { EventLoopUtilization } from 'node:perf_hooks';
import ipaddr from 'ipaddr.js';
import pRetry, { AbortError } from 'p-retry';
import type { z } from 'zod';
import type { Logger } from '../../logger.js';
import { silentLogger } from '../../logger.js';
import { OutboundRefusedError, readCappedText, ResponseTooLargeError } from '../outbound.js';
import { Envelope, ExemplarsData, LabelsData, QueryData, SeriesData, type MatrixSeries, type VectorSample } from './api.js';
import { gridLength, gridOf, scanMatrixGrid, type GridSeries } from './matrix-grid.js';

export interface PrometheusClientOptions {
  url: string;
  /** Sent as Authorization; build with bearer or basic helpers below. */
  authorization?: string;
  /** Extra headers, e.g. X-Scope-OrgID for Mimir/Cortex tenants. */
  headers?: Record<string, string>;
  timeoutSeconds?: number;
  /** Queries in flight at once. */
  concurrency?: number;
  /** Retries after the first attempt, on 5xx / 429 / network errors only. */
  retries?: number;
  /** Delay before the first retry, ms (doubles each time). */
  retryMinMs?: number;
  /** Points per query_range call; Prometheus refuses more than 11,000 per series. */
  maxPointsPerQuery?: number;
  /** Byte cap of one reply body; a longer reply is cancelled mid-stream (default 64 MiB). */
  maxResponseBytes?: number;
  /**
   * `Accept-Encoding` of the requests: `identity` asks for uncompressed replies, `gzip` leaves fetch's
   * default (gzip, deflate). `auto` (default): identity for a loopback host, where gzip only costs CPU
   * on both sides (half of ours and of Prometheus' per replay query, bench/compression.ts), else gzip.
   * An Accept-Encoding in `headers` wins.
   */
  compression?: 'auto' | 'gzip' | 'identity';
  logger?: Logger;
  fetch?: typeof fetch;
}

/** True for localhost, *.localhost, 127.0.0.0/8 and ::1: a Prometheus on this machine. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback';
}

/** 64 MiB: a 28-day range query over hundreds of routes at 5-minute steps stays well below this. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Grid cells (series × steps) one query_range reply may decode into, per byte of the reply cap: a
 * grid costs 8 bytes a step even for a series with one sample, so a reply of many tiny series could
 * otherwise ask for far more memory than its bytes (64 MiB cap: 16 M cells, 128 MiB of grids).
 */
const GRID_CELLS_PER_REPLY_BYTE = 1 / 4;

/** A Prometheus failure whose message names the query and the fix. */
export class PrometheusError extends Error {
  constructor(message: string, readonly query?: string, readonly status?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export function bearerAuth(token: string): string {
  return `Bearer ${token}`;
}
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface ClientStats {
  queries: number;
  /** Wall-clock seconds during which at least one request was in flight. */
  backendSeconds: number;
  /**
   * The part of backendSeconds in which this thread's event loop was idle: time spent only waiting on
   * Prometheus. While a request is in flight the process may be busy parsing an earlier reply or
   * computing; that time is SLO-Scout's own work, not waiting, even though a query is outstanding.
   */
  waitSeconds: number;
  /** Sum of per-request durations (exceeds backendSeconds when requests overlap). */
  requestSeconds: number;
  retries: number;
}

/** Thin, typed client of the Prometheus HTTP API with timeouts, retries, a concurrency limit and stats. */
export class PrometheusClient {
  readonly url: string;
  private readonly opts: Required<Omit<PrometheusClientOptions, 'authorization' | 'headers' | 'logger' | 'fetch' | 'compression'>>;
  private readonly headers: Record<string, string>;
  private readonly logger: Logger;
  private readonly fetchFn: typeof fetch;
  private inFlight = 0;
  private busySince = 0;
  private readonly waiters: Array<() => void> = [];
  private busyElu: EventLoopUtilization | undefined;
  readonly stats: ClientStats = { queries: 0, backendSeconds: 0, waitSeconds: 0, requestSeconds: 0, retries: 0 };

  constructor(options: PrometheusClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.opts = {
      url: this.url,
      timeoutSeconds: options.timeoutSeconds ?? 60,
      concurrency: options.concurrency ?? 4,
      retries: options.retries ?? 3,
      retryMinMs: options.retryMinMs ?? 500,
      maxPointsPerQuery: options.maxPointsPerQuery ?? 11_000,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
    this.headers = { Accept: 'application/json', ...(options.headers ?? {}) };
    if (options.authorization) this.headers.Authorization = options.authorization;
    const compression = options.compression ?? 'auto';
    const identity = compression === 'identity' || (compression === 'auto' && isLoopbackUrl(this.url));
    if (identity && !Object.keys(this.headers).some((h) => h.toLowerCase() === 'accept-encoding')) this.headers['Accept-Encoding'] = 'identity';
    this.logger = options.logger ?? silentLogger;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** The caps a caller sizes its queries by (points per query_range call, bytes per reply). */
  get limits(): { maxPointsPerQuery: number; maxResponseBytes: number } {
    return { maxPointsPerQuery: this.opts.maxPointsPerQuery, maxResponseBytes: this.opts.maxResponseBytes };
  }

  async query(expr: string, time: number): Promise<VectorSample[]> {
    const data = await this.call('/api/v1/query', { query: expr, time: String(time) }, QueryData, expr);
    if (data.resultType !== 'vector') throw new PrometheusError(`query returned a ${data.resultType}, expected an instant vector: ${expr}`, expr);
    return data.result;
  }

  /**
   * Range query evaluated at start, start+step, ... <= end. Long ranges are split into chunks of
   * at most maxPointsPerQuery points that keep the same alignment, and the series are stitched back.
   */
  async queryRange(expr: string, start: number, end: number, step: number): Promise<MatrixSeries[]> {
    const chunkSpan = step * (this.opts.maxPointsPerQuery - 1);
    const chunks: Array<[number, number]> = [];
    for (let s = start; s <= end; s += chunkSpan + step) chunks.push([s, Math.min(end, s + chunkSpan)]);
    const parts = await Promise.all(chunks.map(async ([s, e]) => {
      const data = await this.call('/api/v1/query_range', { query: expr, start: String(s), end: String(e), step: String(step) }, QueryData, expr);
      if (data.resultType !== 'matrix') throw new PrometheusError(`query_range returned a ${data.resultType}, expected a matrix: ${expr}`, expr);
      return data.result;
    }));
    if (parts.length === 1) return parts[0]!;
    const byKey = new Map<string, MatrixSeries>();
    for (const part of parts) {
      for (const series of part) {
        const key = JSON.stringify(Object.entries(series.metric).sort());
        const seen = byKey.get(key);
        if (seen) seen.values.push(...series.values);
        else byKey.set(key, { metric: series.metric, values: [...series.values] });
      }
    }
    return [...byKey.values()];
  }

  /**
   * The same query as queryRange, decoded into one Float64Array per series: values[i] is the sample
   * at start + i × step (NaN where there is none, or where the value is NaN or ±Inf as Number() reads
   * it). Built for the replies with thousands of points per series: a strict scanner fills the
   * arrays without a JS object per point, and anything it does not recognise is decoded by the same
   * JSON.parse + zod path as queryRange, with the same errors.
   */
  async queryRangeGrid(expr: string, start: number, end: number, step: number): Promise<GridSeries[]> {
    const n = gridLength(start, end, step);
    const chunkSteps = this.opts.maxPointsPerQuery;
    const parts = await Promise.all(Array.from({ length: Math.ceil(n / chunkSteps) }, async (_, c) => {
      const s = start + c * chunkSteps * step;
      const m = Math.min(chunkSteps, n - c * chunkSteps);
      const e = s + (m - 1) * step;
      const params = { query: expr, start: String(s), end: String(e), step: String(step) };
      return { offset: c * chunkSteps, series: await this.request('/api/v1/query_range', params, expr, (text) => this.decodeGrid(text, expr, s, step, m)) };
    }));
    if (parts.length === 1) return parts[0]!.series;
    const byKey = new Map<string, GridSeries>();
    for (const { offset, series } of parts) {
      for (const one of series) {
        const key = JSON.stringify(Object.entries(one.metric).sort());
        let whole = byKey.get(key);
        if (!whole) byKey.set(key, (whole = { metric: one.metric, values: new Float64Array(n).fill(Number.NaN) }));
        whole.values.set(one.values, offset);
      }
    }
    return [...byKey.values()];
  }

  /** One query_range chunk of m steps: the scanner when the reply has the plain matrix shape, else JSON.parse + zod. */
  private decodeGrid(text: string, what: string, start: number, step: number, m: number): GridSeries[] {
    const maxSeries = Math.max(1, Math.floor((this.opts.maxResponseBytes * GRID_CELLS_PER_REPLY_BYTE) / Math.max(1, m)));
    const fast = scanMatrixGrid(text, start, step, m, maxSeries);
    if (fast) {
      for (const w of fast.warnings) this.logger.warn({ query: what, warning: w }, 'prometheus warning');
      return fast.series;
    }
    const data = this.decode(text, QueryData, '/api/v1/query_range', what);
    if (data.resultType !== 'matrix') throw new PrometheusError(`query_range returned a ${data.resultType}, expected a matrix: ${what}`, what);
    if (data.result.length > maxSeries) {
      const err = new ResponseTooLargeError(`the reply to Prometheus query ${what} has ${data.result.length} series of ${m} steps, more than the ${maxSeries} whose grids fit the reply cap: narrow the query (fewer services, a shorter window) or raise SLO_SCOUT_MAX_RESPONSE_BYTES`);
      throw new PrometheusError(err.message, what, undefined, err);
    }
    return gridOf(data.result, start, step, m);
  }

  async series(match: string[], start: number, end: number): Promise<Array<Record<string, string>>> {
    return this.call('/api/v1/series', { 'match[]': match, start: String(start), end: String(end) }, SeriesData, match.join(' or '));
  }

  async labels(match: string[], start: number, end: number): Promise<string[]> {
    return this.call('/api/v1/labels', { 'match[]': match, start: String(start), end: String(end) }, LabelsData, match.join(' or '));
  }

  async exemplars(expr: string, start: number, end: number): Promise<ExemplarsData> {
    return this.call('/api/v1/query_exemplars', { query: expr, start: String(start), end: String(end) }, ExemplarsData, expr);
  }

  private async acquire(): Promise<void> {
    if (this.inFlight >= this.opts.concurrency) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.inFlight === 0) {
      this.busySince = performance.now();
      this.busyElu = performance.eventLoopUtilization();
    }
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      this.stats.backendSeconds += (performance.now() - this.busySince) / 1000;
      // eventLoopUtilization(prev) is the change since prev: idle = time the loop sat waiting for I/O.
      if (this.busyElu) this.stats.waitSeconds += performance.eventLoopUtilization(this.busyElu).idle / 1000;
    }
    this.waiters.shift()?.();
  }

  private async call<S extends z.ZodType>(path: string, params: Record<string, string | string[]>, schema: S, what: string): Promise<z.infer<S>> {
    return this.request(path, params, what, (text) => this.decode(text, schema, path, what));
  }

  /** One API call with the concurrency limit, retries and stats; `parse` decodes the reply's text (its time counts as the request's). */
  private async request<T>(path: string, params: Record<string, string | string[]>, what: string, parse: (text: string) => T): Promise<T> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    await this.acquire();
    const started = performance.now();
    try {
      const text = await pRetry(async () => this.attempt(path, body, what), {
        retries: this.opts.retries,
        minTimeout: this.opts.retryMinMs,
        factor: 2,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft === 0) return; // the last failure is thrown, not retried
          this.stats.retries++;
          this.logger.warn({ path, query: what, attemptNumber, retriesLeft, err: error.message }, 'prometheus request failed, retrying');
        },
      });
      return parse(text);
    } finally {
      this.stats.queries++;
      this.stats.requestSeconds += (performance.now() - started) / 1000;
      this.release();
    }
  }

  /** One HTTP attempt; throws AbortError for failures a retry cannot fix (4xx, PromQL errors). */
  private async attempt(path: string, body: URLSearchParams, what: string): Promise<string> {
    let res: Response;
    try {
      // POST with a form body: long selectors (many services) would overflow a GET URL.
      res = await this.fetchFn(`${this.url}${path}`, {
        method: 'POST',
        headers: { ...this.headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutSeconds * 1000),
      });
    } catch (err) {
      if (err instanceof OutboundRefusedError) throw new AbortError(new PrometheusError(`Prometheus at ${this.url}: ${err.message}`, what, undefined, err));
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') {
        throw new PrometheusError(`Prometheus at ${this.url} did not answer within ${this.opts.timeoutSeconds}s for ${what}: raise datasources.prometheus.timeoutSeconds or shorten --window`, what);
      }
      throw new PrometheusError(`cannot reach Prometheus at ${this.url} (${e.cause?.code ?? e.message}): check --prometheus / datasources.prometheus.url and that the server is running`, what);
    }
    let text: string;
    try {
      text = await readCappedText(res, this.opts.maxResponseBytes, `Prometheus query ${what}`);
    } catch (err) {
      if (err instanceof ResponseTooLargeError) throw new AbortError(new PrometheusError(err.message, what, res.status, err));
      throw new PrometheusError(`Prometheus at ${this.url} broke off the reply for ${what}: ${(err as Error).message}`, what, res.status);
    }
    if (res.ok) return text;
    const apiError = this.apiError(text);
    if (res.status === 401 || res.status === 403) {
      throw new AbortError(new PrometheusError(`Prometheus at ${this.url} refused the request (HTTP ${res.status}): check datasources.prometheus.auth and headers`, what, res.status));
    }
    if (res.status === 404) {
      throw new AbortError(new PrometheusError(`${this.url}${path} not found (HTTP 404): the URL must be the Prometheus base URL, e.g. http://prometheus:9090 (for Mimir add the /prometheus prefix)`, what, res.status));
    }
    if (res.status === 400 || res.status === 422) {
      throw new AbortError(new PrometheusError(`Prometheus rejected the query ${what}: ${apiError ?? text.slice(0, 200)}`, what, res.status));
    }
    // 5xx / 429 / 503 (overloaded): worth retrying.
    throw new PrometheusError(`Prometheus at ${this.url} answered HTTP ${res.status} for ${what}: ${apiError ?? text.slice(0, 200)}`, what, res.status);
  }

  private apiError(text: string): string | undefined {
    try {
      const env = Envelope.safeParse(JSON.parse(text));
      if (env.success && env.data.status === 'error') return `${env.data.errorType}: ${env.data.error}`;
    } catch {
      // not JSON (a proxy's HTML page): the caller shows the raw text
    }
    return undefined;
  }

  private decode<S extends z.ZodType>(text: string, schema: S, path: string, what: string): z.infer<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PrometheusError(`${this.url}${path} did not return JSON (starts with ${JSON.stringify(text.slice(0, 60))}): is the URL a Prometheus API and not a login page?`, what);
    }
    const env = Envelope.safeParse(json);
    if (!env.success) throw new PrometheusError(`${this.url}${path} returned an unexpected reply for ${what}: ${env.error.issues[0]?.message}`, what);
    if (env.data.status === 'error') throw new PrometheusError(`Prometheus rejected the query ${what}: ${env.data.errorType}: ${env.data.error}`, what);
    for (const w of env.data.warnings ?? []) this.logger.warn({ query: what, warning: w }, 'prometheus warning');
    const data = schema.safeParse(env.data.data);
    if (!data.success) throw new PrometheusError(`${this.url}${path} returned data of an unexpected shape for ${what}: ${data.error.issues[0]?.message} at ${data.error.issues[0]?.path.join('.')}`, what);
    return data.data;
  }
}
