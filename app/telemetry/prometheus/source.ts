import type { EndpointHistory, ExemplarRef, LatencyCounts, VersionSpan, WindowCounts } from '../../core/types.js';
import type { Logger } from '../../logger.js';
import { silentLogger } from '../../logger.js';
import type { AlertBlocksResult, AlertDensityResult, AlertSeries, AlertSeriesRequest, AlertSeriesResult, HistoryBatchHandler, HistoryRequest, HistoryResult, HistorySource } from '../source.js';
import type { GridSeries } from './matrix-grid.js';
import type { AlertBlocks } from '../../core/alerts/screen.js';
import { PrometheusError, type PrometheusClient } from './client.js';
import { availabilityQueries, formatLe, latencyQueries, renderWindow } from '../../core/sli/promql.js';
import type { SliSource } from '../../core/types.js';
import { ResponseTooLargeError } from '../outbound.js';
import { endpointFilter, type EndpointFilterOptions } from '../filters.js';
import { anyOf, selector, type Matcher } from './promql.js';

/** Endpoints per alert-series query: ~50 x 8,064 points of 28 days at 5 min is a ~15 MB reply. */
const ALERT_ENDPOINTS_PER_QUERY = 50;
/**
 * The alert replay's density probe (probeAlertSeries) looks at the samples around probe times 23 h
 * apart (and the range's end): over 28 days that is 29 probes falling at every hour of the day and on
 * every weekday, so a service scraped only in working hours or scaled to zero at night is still seen.
 */
const PROBE_SPACING_SECONDS = 23 * 3600;
/** Longer ranges space the probes further apart (by whole multiples of 23 h) to stay under this many. */
const MAX_PROBES = 64;
/** Services per probe query: the reply is one sample per dense service; this bounds the selector's length. */
const PROBE_SERVICES_PER_QUERY = 200;
/** A generous size of one `[t,"v"],` point in a query_range reply, to keep replies under the byte cap. */
const BYTES_PER_POINT = 64;
/**
 * Bucket series per endpoint assumed when sizing the hourly queries (OTel's default histogram has 15
 * with +Inf, Prometheus clients' 12): batches of services are cut to keep the `_bucket` reply under
 * the byte cap; a histogram with more buckets is caught by the split on an oversized reply.
 */
const ASSUMED_BUCKETS = 16;

/** True when `err` is a Prometheus reply cancelled at the client's byte cap. */
function tooLarge(err: unknown): boolean {
  return err instanceof PrometheusError && err.cause instanceof ResponseTooLargeError;
}

/**
 * Runs `run` on `items`; when the reply is over the byte cap, runs it again on each half (down to
 * one item, whose error is then thrown). Queries split this way must give the same values per item.
 */
async function splitWhenTooLarge<T>(items: T[], run: (part: T[]) => Promise<void>): Promise<void> {
  try {
    await run(items);
  } catch (err) {
    if (items.length < 2 || !tooLarge(err)) throw err;
    const half = Math.ceil(items.length / 2);
    await Promise.all([splitWhenTooLarge(items.slice(0, half), run), splitWhenTooLarge(items.slice(half), run)]);
  }
}

/** The `le` matcher of the rules (app/core/sli/promql.ts leMatcher): integer bounds match "1" and "1.0". */
function leMatch(bound: number): Matcher {
  return Number.isInteger(bound) ? { label: 'le', op: '=~', value: `${formatLe(bound)}(\\.0)?` } : { label: 'le', op: '=', value: formatLe(bound) };
}

/** Metric and label names (config `metrics`), defaults = OTel HTTP semantic conventions. */
export interface MetricNames {
  histogram: string;
  labels: { service: string; route: string | null; status: string };
  errorStatusRegex: string;
  versionLabel?: string;
  replicas?: string;
  matchers?: Record<string, string>;
}

export const OTEL_METRIC_NAMES: MetricNames = {
  histogram: 'http_server_request_duration_seconds',
  labels: { service: 'service_name', route: 'http_route', status: 'http_response_status_code' },
  errorStatusRegex: '5..',
};

/** `services`, `routes`, `defaultRouteExclude`: the config's globs (app/telemetry/filters.ts). */
export interface PrometheusSourceOptions extends EndpointFilterOptions {
  client: PrometheusClient;
  metrics?: MetricNames;
  /** Services per query: bounds reply size and lets queries run in parallel. */
  servicesPerQuery?: number;
  /** Exemplars kept per endpoint (slowest first). */
  maxExemplarsPerEndpoint?: number;
  exemplars?: boolean;
  logger?: Logger;
}

type Key = string;
const keyOf = (service: string, route: string | null): Key => `${service}\u0000${route ?? ''}`;

interface Acc {
  service: string;
  endpoint: string | null;
  totals: Map<number, number>;
  errors: Map<number, number>;
  /** window end -> le -> cumulative count */
  buckets: Map<number, Map<number, number>>;
  hourly?: { totals: Map<number, number>; errors: Map<number, number>; buckets: Map<number, Map<number, number>> };
}

/**
 * HistorySource backed by the Prometheus HTTP API. Aggregation is pushed down: one
 * `sum by (service, route[, le]) (increase(...[breachWindow]))` query_range per batch of services,
 * evaluated at every window end, so Prometheus returns per-window totals and never raw samples.
 */
export class PrometheusHistorySource implements HistorySource {
  readonly name: string;
  private readonly m: MetricNames;
  private readonly logger: Logger;

  constructor(private readonly options: PrometheusSourceOptions) {
    this.m = options.metrics ?? OTEL_METRIC_NAMES;
    this.name = `Prometheus at ${options.client.url}`;
    this.logger = (options.logger ?? silentLogger).child({ datasource: 'prometheus' });
  }

  private get client(): PrometheusClient {
    return this.options.client;
  }

  private baseMatchers(): Matcher[] {
    return Object.entries(this.m.matchers ?? {}).map(([label, value]) => ({ label, op: '=' as const, value }));
  }

  private by(extra: string[] = []): string {
    return [this.m.labels.service, ...(this.m.labels.route ? [this.m.labels.route] : []), ...extra].join(', ');
  }

  /**
   * With `onBatch`, each batch of services (servicesPerQuery) is handed over once its queries (daily
   * and hourly) and the fleet-wide ones (versions, replicas, exemplars) are in.
   */
  async fetchHistories(request: HistoryRequest, onProgress?: (done: number, total: number) => void, onBatch?: HistoryBatchHandler): Promise<HistoryResult> {
    const start0 = this.client.stats.waitSeconds;
    const queries0 = this.client.stats.queries;
    const { end, windowSeconds: win, breachWindowSeconds: bw } = request;
    if (win % bw !== 0) throw new PrometheusError(`the window (${win}s) must be a whole number of breach windows (${bw}s): adjust --window or --breach-window`);
    const rangeStart = end - win;
    const skipped: HistoryResult['skipped'] = [];
    // Only the hourly series of given services (analysis.hourly: auto, after the daily fetch): no daily
    // queries, versions, replicas or exemplars, and discovery limited to those services.
    const hourlyOnly = request.only === 'hourly' && request.hourly === true && request.services !== undefined;

    // 1. Discovery: which service/route pairs exist in the window.
    const countMetric = `${this.m.histogram}_count`;
    const discoverBy = hourlyOnly ? [...this.baseMatchers(), anyOf(this.m.labels.service, request.services!)] : this.baseMatchers();
    const discovered = await this.client.series([selector(countMetric, discoverBy)], rangeStart, end);
    if (discovered.length === 0 && hourlyOnly) return { histories: [], skipped, stats: { backendSeconds: this.client.stats.waitSeconds - start0, queries: this.client.stats.queries - queries0 } };
    if (discovered.length === 0) {
      throw new PrometheusError(`no series matched ${countMetric} between ${new Date(rangeStart * 1000).toISOString()} and ${new Date(end * 1000).toISOString()}: check metrics.histogram in .slo-scout.yml or --metric (and --end / --window)`, countMetric);
    }
    await this.checkLabels(discovered, countMetric, rangeStart, end);
    const keep = endpointFilter(this.options, request.services);
    const endpoints = new Map<Key, { service: string; endpoint: string | null }>();
    for (const labels of discovered) {
      const service = labels[this.m.labels.service];
      if (service === undefined) continue;
      const route = this.m.labels.route ? (labels[this.m.labels.route] ?? null) : null;
      const key = keyOf(service, route);
      if (endpoints.has(key) || skipped.some((s) => s.service === service && s.endpoint === route)) continue;
      const reason = keep(service, route);
      if (reason !== null) {
        skipped.push({ service, endpoint: route, reason });
        continue;
      }
      endpoints.set(key, { service, endpoint: route });
    }
    const services = [...new Set([...endpoints.values()].map((e) => e.service))].sort();
    const perQuery = this.options.servicesPerQuery ?? 10;
    const batches: string[][] = [];
    for (let i = 0; i < services.length; i += perQuery) batches.push(services.slice(i, i + perQuery));

    const acc = new Map<Key, Acc>();
    for (const [key, e] of endpoints) acc.set(key, { ...e, totals: new Map(), errors: new Map(), buckets: new Map() });
    // Each task with the services it fetches, so a batch is handed over when its last task is done.
    const tasks: Array<{ run: () => Promise<void>; services: string[] }> = [];
    if (!hourlyOnly) for (const batch of batches) tasks.push(...this.windowTasks(batch, acc, rangeStart + bw, end, bw, false).map((run) => ({ run, services: batch })));
    // Hourly series (config analysis.hourly): 24x the points of daily ones, so batches are sized by
    // the reply they give, and a service whose hourly reply is still too large goes without them.
    const noHourly = new Set<string>();
    if (request.hourly && bw > 3600) {
      const perService = new Map<string, number>();
      for (const e of endpoints.values()) perService.set(e.service, (perService.get(e.service) ?? 0) + 1);
      const points = Math.min(win / 3600, this.client.limits.maxPointsPerQuery);
      const room = Math.floor(this.client.limits.maxResponseBytes / (points * ASSUMED_BUCKETS * BYTES_PER_POINT));
      let batch: string[] = [];
      let used = 0;
      const flush = () => {
        const services = batch;
        if (batch.length) tasks.push(...this.windowTasks(batch, acc, rangeStart + 3600, end, 3600, true, noHourly).map((run) => ({ run, services })));
        batch = [];
        used = 0;
      };
      for (const service of services) {
        const n = perService.get(service) ?? 1;
        if (batch.length >= perQuery || (batch.length > 0 && used + n > room)) flush();
        batch.push(service);
        used += n;
      }
      flush();
    }
    const versions = this.m.versionLabel && !hourlyOnly ? this.versionTask(services, rangeStart, end, Math.min(3600, bw)) : Promise.resolve(new Map<Key, VersionSpan[]>());
    const replicas = this.m.replicas && !hourlyOnly ? this.replicaTask(rangeStart + bw, end, bw) : Promise.resolve(new Map<string, Array<{ start: number; end: number; count: number }>>());
    const exemplars = this.options.exemplars === false || hourlyOnly ? Promise.resolve(new Map<Key, ExemplarRef[]>()) : this.exemplarTask(services, rangeStart, end);
    const fleetWide = Promise.all([versions, replicas, exemplars]);
    fleetWide.catch(() => undefined); // awaited below; a failed batch query must not leave it unhandled
    // Batches are cut in the order of `services`; once each task is done, a batch whose tasks are all
    // done is built and handed over (after the fleet-wide queries, which every history takes from).
    const pending = new Map<string, number>();
    for (const t of tasks) for (const s of t.services) pending.set(s, (pending.get(s) ?? 0) + 1);
    const keysOf = new Map<string, Key[]>();
    for (const [key, a] of acc) keysOf.set(a.service, [...(keysOf.get(a.service) ?? []), key]);
    const built = new Map<Key, EndpointHistory | null>();
    const handed: Array<Promise<void>> = [];
    let handOverFailed: { err: unknown } | undefined;
    /** One endpoint's history (null: no requests), built once: a batch and the result share the object. */
    const build = (key: Key, [versionMap, replicaMap, exemplarMap]: [Map<Key, VersionSpan[]>, Map<string, Array<{ start: number; end: number; count: number }>>, Map<Key, ExemplarRef[]>]): EndpointHistory | null => {
      if (built.has(key)) return built.get(key)!;
      const a = acc.get(key)!;
      const windows = toWindows(a, bw);
      if (hourlyOnly) {
        // The caller keeps its own daily windows and takes only these (HistoryRequest.only).
        const only = a.hourly && !noHourly.has(a.service) ? { service: a.service, endpoint: a.endpoint, windows, hourly: toWindows({ ...a, ...a.hourly }, 3600) } : null;
        built.set(key, only);
        return only;
      }
      if (windows.length === 0) {
        built.set(key, null);
        return null;
      }
      const selectorLabels: Record<string, string> = { ...(this.m.matchers ?? {}), [this.m.labels.service]: a.service };
      if (this.m.labels.route && a.endpoint !== null) selectorLabels[this.m.labels.route] = a.endpoint;
      const h: EndpointHistory = {
        service: a.service,
        endpoint: a.endpoint,
        windows,
        source: {
          histogramMetric: this.m.histogram,
          countMetric,
          bucketMetric: `${this.m.histogram}_bucket`,
          selector: selectorLabels,
          statusLabel: this.m.labels.status,
          errorStatusRegex: this.m.errorStatusRegex,
        },
      };
      if (a.hourly && !noHourly.has(a.service)) h.hourly = toWindows({ ...a, ...a.hourly }, 3600);
      const v = versionMap.get(key);
      if (v) h.versions = v;
      const r = replicaMap.get(a.service);
      if (r) h.replicas = r;
      const ex = exemplarMap.get(key);
      if (ex) h.exemplars = ex;
      built.set(key, h);
      return h;
    };
    const handOver = (batch: string[]) => {
      if (!onBatch) return;
      handed.push(fleetWide.then((maps) => {
        const hs = batch.flatMap((s) => keysOf.get(s) ?? []).map((k) => build(k, maps)).filter((h): h is EndpointHistory => h !== null);
        if (hs.length) onBatch(hs);
      }).catch((err: unknown) => {
        handOverFailed ??= { err };
      }));
    };
    let done = 0;
    onProgress?.(0, tasks.length);
    // The client's concurrency limit throttles these; starting them all keeps the pipe full.
    await Promise.all(tasks.map(async (t) => {
      await t.run();
      onProgress?.(++done, tasks.length);
      for (const s of t.services) pending.set(s, pending.get(s)! - 1);
      for (const [i, batch] of batches.entries()) {
        if (batch.length && batch.every((s) => pending.get(s) === 0)) {
          batches[i] = [];
          handOver(batch);
        }
      }
    }));
    const maps = await fleetWide;
    await Promise.all(handed);
    if (handOverFailed) throw handOverFailed.err;

    const histories: EndpointHistory[] = [];
    for (const key of acc.keys()) {
      const h = build(key, maps);
      if (h) histories.push(h);
    }
    histories.sort((x, y) => x.service.localeCompare(y.service) || (x.endpoint ?? '').localeCompare(y.endpoint ?? ''));
    // The skips of endpoints without requests, in the order of `acc` as before batches existed.
    if (!hourlyOnly) for (const [key, a] of acc) if (built.get(key) === null) skipped.push({ service: a.service, endpoint: a.endpoint, reason: `no requests in the ${win / 86400}d window` });
    this.logger.debug({ endpoints: histories.length, skipped: skipped.length, queries: this.client.stats.queries - queries0 }, 'prometheus histories fetched');
    return { histories, skipped, stats: { backendSeconds: this.client.stats.waitSeconds - start0, queries: this.client.stats.queries - queries0 } };
  }

  /** When the series exist but lack the configured labels, say which labels they do have. */
  private async checkLabels(series: Array<Record<string, string>>, metric: string, start: number, end: number): Promise<void> {
    const wanted = [this.m.labels.service, ...(this.m.labels.route ? [this.m.labels.route] : [])];
    const missing = wanted.filter((l) => !series.some((s) => l in s));
    if (missing.length === 0) return;
    const present = await this.client.labels([metric], start, end);
    throw new PrometheusError(`${metric} has no label ${missing.join(', ')} (labels present: ${present.filter((l) => l !== '__name__').join(', ')}): set metrics.labels in .slo-scout.yml (e.g. service: job${this.m.labels.route ? ', route: null for whole-service SLIs' : ''})`, metric);
  }

  /**
   * The alert replay's two series for each request, bad and valid events per step: what
   * `sum(rate(<query>[step]))` at `step` gives for the SLO's own queries, times the step.
   *
   * The SLOs of one run share their selectors' shape, so instead of two range queries per SLO they
   * are fetched per group of endpoints: `sum by (service, route) (rate(..._count{…}[step]))` for the
   * totals and the errors, and one `_bucket` query per latency threshold of the group. An endpoint's
   * values equal its own query's: the same series, summed the same way (latency bad = total − good,
   * only where both exist, as the rules' vector subtraction). A request whose queries are not the
   * ones this source would write (another config, a whole-service SLO beside routes) is fetched alone.
   * Groups are sized to keep each reply under the client's byte cap; a reply that still exceeds it
   * is fetched again in halves.
   */
  async fetchAlertSeries(requests: AlertSeriesRequest[]): Promise<AlertSeriesResult> {
    const start0 = this.client.stats.waitSeconds;
    const queries0 = this.client.stats.queries;
    const out: Array<AlertSeries | null | Error> = requests.map(() => null);
    const groups = new Map<string, number[]>();
    const alone: number[] = [];
    for (const [i, r] of requests.entries()) {
      if (Math.floor((r.end - r.start) / r.step) < 2) continue;
      if (!this.batchable(r)) {
        alone.push(i);
        continue;
      }
      const key = `${r.start}/${r.end}/${r.step}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    const tasks: Array<Promise<void>> = alone.map(async (i) => {
      out[i] = await this.alertSeriesOne(requests[i]!).catch((err: unknown) => err as Error);
    });
    for (const indexes of groups.values()) {
      const { start, end, step } = requests[indexes[0]!]!;
      const n = Math.floor((end - start) / step);
      // Endpoints (service, route) in a stable order; each chunk's replies stay under the byte cap.
      const sorted = endpointsOf(requests, indexes);
      const points = Math.min(n, this.client.limits.maxPointsPerQuery);
      const perQuery = Math.max(1, Math.min(ALERT_ENDPOINTS_PER_QUERY, Math.floor(this.client.limits.maxResponseBytes / (points * BYTES_PER_POINT))));
      for (let c = 0; c < sorted.length; c += perQuery) {
        tasks.push(this.alertSeriesChunk(sorted.slice(c, c + perQuery), requests, out, start, n, step));
      }
    }
    await Promise.all(tasks);
    return { series: out, stats: { backendSeconds: this.client.stats.waitSeconds - start0, queries: this.client.stats.queries - queries0 } };
  }

  /**
   * The alert replay's screen (app/core/alerts/screen.ts): per request, hourly blocks of the very
   * per-step values fetchAlertSeries would return, aggregated by Prometheus with subqueries over the
   * same expressions at the same evaluation times (`sum_over_time((…)[(block − 1 s):step])` at one
   * point per block: the subquery's points are the step-aligned times in the block, as the replay's
   * grid when `start` is a multiple of the step). Per group of endpoints: the totals' sum, minimum and
   * count of steps present and not negative, and per kind of bad events (errors, or total − good per
   * latency threshold) the sum and that count. Replies hold one point per block, 1/12 of a fetch's.
   * A request this source cannot screen exactly (queries it did not write, an unaligned grid, a range
   * the blocks do not tile) gets null; a failed query its Error: either way it is fetched in full.
   */
  async screenAlertSeries(requests: AlertSeriesRequest[], blockSteps: number): Promise<AlertBlocksResult> {
    const start0 = this.client.stats.waitSeconds;
    const queries0 = this.client.stats.queries;
    const out: Array<AlertBlocks | null | Error> = requests.map(() => null);
    const groups = new Map<string, number[]>();
    for (const [i, r] of requests.entries()) {
      const n = Math.floor((r.end - r.start) / r.step);
      if (!Number.isInteger(blockSteps) || blockSteps < 2 || n < blockSteps || n % blockSteps !== 0 || r.start % r.step !== 0 || !this.batchable(r)) continue;
      const key = `${r.start}/${r.end}/${r.step}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    const tasks: Array<Promise<void>> = [];
    for (const indexes of groups.values()) {
      const { start, end, step } = requests[indexes[0]!]!;
      const blocks = Math.floor((end - start) / step) / blockSteps;
      const sorted = endpointsOf(requests, indexes);
      // As many endpoints per query as the fetch: at 50 x 8 one screen query per 600 endpoints screened nothing (every SLO was fetched; cause not isolated, probably a timeout).
      const points = Math.min(blocks, this.client.limits.maxPointsPerQuery);
      const perQuery = Math.max(1, Math.min(ALERT_ENDPOINTS_PER_QUERY, Math.floor(this.client.limits.maxResponseBytes / (points * BYTES_PER_POINT))));
      for (let c = 0; c < sorted.length; c += perQuery) {
        const chunk = sorted.slice(c, c + perQuery);
        tasks.push(splitWhenTooLarge(chunk, (part) => this.screenPart(part, requests, out, start, blocks, step, blockSteps)));
      }
    }
    await Promise.all(tasks);
    return { blocks: out, stats: { backendSeconds: this.client.stats.waitSeconds - start0, queries: this.client.stats.queries - queries0 } };
  }

  /** One group's screen queries; failures go to `out`, except an oversized reply that can still be split. */
  private async screenPart(chunk: Array<{ service: string; endpoint: string | null; requests: number[] }>, requests: AlertSeriesRequest[], out: Array<AlertBlocks | null | Error>, start: number, blocks: number, step: number, blockSteps: number): Promise<void> {
    const width = step * blockSteps;
    const first = start + width;
    const last = start + blocks * width;
    const rate = `[${step}s]`;
    // (τ − width, τ] holds exactly the block's blockSteps step-aligned times, in Prometheus 2 (closed ranges) and 3 (left-open).
    const over = (fn: string, expr: string) => `${fn}((${expr})[${width - 1}s:${step}s])`;
    const matchers = (list: typeof chunk): Matcher[] => [
      ...this.baseMatchers(),
      anyOf(this.m.labels.service, [...new Set(list.map((e) => e.service))]),
      ...(this.m.labels.route ? [anyOf(this.m.labels.route, [...new Set(list.map((e) => e.endpoint!))])] : []),
    ];
    const grids = async (expr: string): Promise<Map<Key, Float64Array>> => {
      const result = await this.client.queryRange(expr, first, last, width);
      const byKey = new Map<Key, Float64Array>();
      for (const s of result) {
        const key = keyOf(s.metric[this.m.labels.service] ?? '', this.m.labels.route ? (s.metric[this.m.labels.route] ?? null) : null);
        let grid = byKey.get(key);
        if (!grid) byKey.set(key, (grid = new Float64Array(blocks).fill(Number.NaN)));
        for (const [t, v] of s.values) {
          const i = Math.round((Number(t) - first) / width);
          const x = Number(v);
          if (i >= 0 && i < blocks && !Number.isNaN(x)) grid[i] = x;
        }
      }
      return byKey;
    };
    const count = `${this.m.histogram}_count`;
    const bucket = `${this.m.histogram}_bucket`;
    const total = `sum by (${this.by()}) (rate(${selector(count, matchers(chunk))}${rate}))`;
    const wantsErrors = chunk.some((e) => e.requests.some((i) => requests[i]!.sli === 'availability'));
    const errors = `sum by (${this.by()}) (rate(${selector(count, [...matchers(chunk), { label: this.m.labels.status, op: '=~', value: this.m.errorStatusRegex }])}${rate}))`;
    const thresholds = new Map<number, typeof chunk>();
    for (const e of chunk) {
      for (const i of e.requests) {
        const r = requests[i]!;
        if (r.sli !== 'latency' || r.thresholdSeconds === null) continue;
        const list = thresholds.get(r.thresholdSeconds) ?? [];
        if (!list.includes(e)) list.push(e);
        thresholds.set(r.thresholdSeconds, list);
      }
    }
    // Latency bad = total − good, only where both exist: the vector subtraction, as the fetch's arrays
    // (the totals of this threshold's endpoints only). Its block sum is Σ total − Σ good (one pass over
    // the buckets instead of two over totals and buckets), made an upper bound below.
    const totalOf = (list: typeof chunk) => `sum by (${this.by()}) (rate(${selector(count, matchers(list))}${rate}))`;
    const good = (le: number, list: typeof chunk) => `sum by (${this.by()}) (rate(${selector(bucket, [...matchers(list), leMatch(le)])}${rate}))`;
    type Bad = { sum: Map<Key, Float64Array>; clean: Map<Key, Float64Array>; good?: boolean };
    const badOf = async (expr: string): Promise<Bad> => {
      const [sum, clean] = await Promise.all([grids(over('sum_over_time', expr)), grids(over('count_over_time', `${expr} >= 0`))]);
      return { sum, clean };
    };
    const slowOf = async (le: number, list: typeof chunk): Promise<Bad> => {
      const [sum, clean] = await Promise.all([grids(over('sum_over_time', good(le, list))), grids(over('count_over_time', `${totalOf(list)} - ${good(le, list)} >= 0`))]);
      return { sum, clean, good: true };
    };
    let totals: [Map<Key, Float64Array>, Map<Key, Float64Array>, Map<Key, Float64Array>];
    let errorBlocks: Bad | undefined;
    let slowBlocks: Map<number, Bad>;
    try {
      [totals, errorBlocks, slowBlocks] = await Promise.all([
        Promise.all([grids(over('sum_over_time', total)), grids(over('min_over_time', total)), grids(over('count_over_time', `${total} >= 0`))]),
        wantsErrors ? badOf(errors) : Promise.resolve(undefined),
        Promise.all([...thresholds].map(async ([le, list]) => [le, await slowOf(le, list)] as const)).then((x) => new Map(x)),
      ]);
    } catch (err) {
      if (chunk.length > 1 && tooLarge(err)) throw err;
      for (const e of chunk) for (const i of e.requests) out[i] = err as Error;
      return;
    }
    const [totalSum, totalMin, totalClean] = totals;
    for (const e of chunk) {
      const key = keyOf(e.service, e.endpoint);
      for (const i of e.requests) {
        const r = requests[i]!;
        const bad = r.sli === 'availability' ? errorBlocks : slowBlocks.get(r.thresholdSeconds!);
        const sum = (g: Map<Key, Float64Array> | undefined) => {
          const x = new Float64Array(blocks).fill(Number.NaN);
          const rates = g?.get(key);
          // Rates per step summed over the block, times the step: events, as the fetch's rate × step.
          if (rates) for (let m = 0; m < blocks; m++) x[m] = rates[m]! * step;
          return x;
        };
        const clean = new Uint8Array(blocks);
        const tc = totalClean.get(key);
        const bc = bad?.clean.get(key);
        for (let m = 0; m < blocks; m++) clean[m] = tc?.[m] === blockSteps && bc?.[m] === blockSteps ? 1 : 0;
        const total = sum(totalSum);
        let badSum = sum(bad?.sum);
        if (bad?.good) {
          // Σ total − Σ good differs from Σ (total − good) only by rounding: each 12-term sum is within
          // ~12 units of roundoff of Σ total; 64 of them keep the block's bad events an upper bound.
          const goodSum = badSum;
          badSum = new Float64Array(blocks);
          for (let m = 0; m < blocks; m++) badSum[m] = total[m]! - goodSum[m]! + 64 * 2 ** -53 * Math.abs(total[m]!);
        }
        out[i] = { t0: start, step, blockSteps, bad: badSum, total, totalMin: sum(totalMin), clean };
      }
    }
  }

  /**
   * Whether each request's counters have two samples within one step somewhere, without fetching
   * them: per service, `count_over_time(<histogram>_count{…}[2·step])` at probe times 23 h apart over
   * the range and at its end, one instant query (a subquery) per 200 services, whose reply names only
   * the services with two samples at some probe. Two samples in 2·step whatever their phase is
   * what a scrape interval of at most one step gives, so a dense service is found even when its samples
   * fall between the replay's grid points; a 6–10-minute interval also passes (its fetch then finds no
   * data, as before the probe). A service is found not dense only when no series of it had two samples
   * at any probe: a stretch of dense samples shorter than the spacing (23 h) between probes, with none
   * at the end, can be missed. Requests whose queries this source did not write, and services whose
   * probe failed, count as dense (unsure). Cost: ~30 evaluations of the `_count` series per service,
   * against 8,064 of `_count` and `_bucket` series for a 28-day fetch.
   */
  async probeAlertSeries(requests: AlertSeriesRequest[]): Promise<AlertDensityResult> {
    const start0 = this.client.stats.waitSeconds;
    const queries0 = this.client.stats.queries;
    const dense = requests.map(() => true);
    const groups = new Map<string, number[]>();
    for (const [i, r] of requests.entries()) {
      if (Math.floor((r.end - r.start) / r.step) < 2 || !this.batchable(r)) continue;
      const key = `${r.start}/${r.end}/${r.step}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    const tasks: Array<Promise<void>> = [];
    for (const indexes of groups.values()) {
      const { start, end, step } = requests[indexes[0]!]!;
      const last = start + Math.floor((end - start) / step) * step;
      const services = [...new Set(indexes.map((i) => requests[i]!.service))].sort();
      for (let c = 0; c < services.length; c += PROBE_SERVICES_PER_QUERY) {
        const chunk = services.slice(c, c + PROBE_SERVICES_PER_QUERY);
        tasks.push(this.denseServices(chunk, last - start, last, step).then(
          (found) => {
            const probed = new Set(chunk);
            for (const i of indexes) if (probed.has(requests[i]!.service)) dense[i] = found.has(requests[i]!.service);
          },
          (err: unknown) => {
            // The probe only spares queries: when it fails, these SLOs are fetched as if it had said dense.
            this.logger.warn({ services: chunk.length, err: (err as Error).message }, 'alert replay density probe failed; fetching these services\' series anyway');
          },
        ));
      }
    }
    await Promise.all(tasks);
    return { dense, stats: { backendSeconds: this.client.stats.waitSeconds - start0, queries: this.client.stats.queries - queries0 } };
  }

  /** The services among `services` with two `_count` samples within 2·step at a probe time in (at − range, at]. */
  private async denseServices(services: string[], range: number, at: number, step: number): Promise<Set<string>> {
    const svc = this.m.labels.service;
    const samples = `count_over_time(${selector(`${this.m.histogram}_count`, [...this.baseMatchers(), anyOf(svc, services)])}[${2 * step}s])`;
    const spacing = PROBE_SPACING_SECONDS * Math.max(1, Math.ceil(range / (PROBE_SPACING_SECONDS * MAX_PROBES)));
    // Subquery steps are aligned to multiples of the spacing (not to the end), so the end is probed too.
    const expr = `max_over_time((max by (${svc}) (${samples}))[${range}s:${spacing}s]) >= 2 or max by (${svc}) (${samples}) >= 2`;
    const result = await this.client.query(expr, at);
    return new Set(result.flatMap((s) => (s.metric[svc] !== undefined ? [s.metric[svc]] : [])));
  }

  /** True when the request's queries are exactly the ones this source writes for its endpoint. */
  private batchable(r: AlertSeriesRequest): boolean {
    if ((this.m.labels.route === null) !== (r.endpoint === null)) return false;
    const src = this.sliSource(r.service, r.endpoint);
    const want = r.sli === 'latency' ? (r.thresholdSeconds === null ? null : latencyQueries(src, r.thresholdSeconds)) : availabilityQueries(src);
    return want !== null && want.bad === r.queries.bad && want.total === r.queries.total;
  }

  private sliSource(service: string, endpoint: string | null): SliSource {
    const selectorLabels: Record<string, string> = { ...(this.m.matchers ?? {}), [this.m.labels.service]: service };
    if (this.m.labels.route && endpoint !== null) selectorLabels[this.m.labels.route] = endpoint;
    return {
      histogramMetric: this.m.histogram,
      countMetric: `${this.m.histogram}_count`,
      bucketMetric: `${this.m.histogram}_bucket`,
      selector: selectorLabels,
      statusLabel: this.m.labels.status,
      errorStatusRegex: this.m.errorStatusRegex,
    };
  }

  /** One group of endpoints, fetched in halves while a reply is over the byte cap. */
  private async alertSeriesChunk(chunk: Array<{ service: string; endpoint: string | null; requests: number[] }>, requests: AlertSeriesRequest[], out: Array<AlertSeries | null | Error>, start: number, n: number, step: number): Promise<void> {
    await splitWhenTooLarge(chunk, (part) => this.alertSeriesPart(part, requests, out, start, n, step));
  }

  /** Totals, errors (if an availability SLO asks) and one bucket query per threshold; failures go to `out`, except an oversized reply that can still be split. */
  private async alertSeriesPart(chunk: Array<{ service: string; endpoint: string | null; requests: number[] }>, requests: AlertSeriesRequest[], out: Array<AlertSeries | null | Error>, start: number, n: number, step: number): Promise<void> {
    const first = start + step;
    const last = start + n * step;
    const range = `[${step}s]`;
    const matchers = (list: typeof chunk): Matcher[] => [
      ...this.baseMatchers(),
      anyOf(this.m.labels.service, [...new Set(list.map((e) => e.service))]),
      ...(this.m.labels.route ? [anyOf(this.m.labels.route, [...new Set(list.map((e) => e.endpoint!))])] : []),
    ];
    const grids = async (expr: string): Promise<Map<Key, Float64Array>> => {
      const result = await this.client.queryRangeGrid(expr, first, last, step);
      const byKey = new Map<Key, Float64Array>();
      for (const s of result) {
        const key = keyOf(s.metric[this.m.labels.service] ?? '', this.m.labels.route ? (s.metric[this.m.labels.route] ?? null) : null);
        let grid = byKey.get(key);
        if (!grid) byKey.set(key, (grid = new Float64Array(n).fill(Number.NaN)));
        for (let i = 0; i < n; i++) {
          const x = s.values[i]!;
          if (Number.isFinite(x)) grid[i] = x;
        }
      }
      return byKey;
    };
    const wantsErrors = chunk.some((e) => e.requests.some((i) => requests[i]!.sli === 'availability'));
    const thresholds = new Map<number, typeof chunk>();
    for (const e of chunk) {
      for (const i of e.requests) {
        const r = requests[i]!;
        if (r.sli !== 'latency' || r.thresholdSeconds === null) continue;
        const list = thresholds.get(r.thresholdSeconds) ?? [];
        if (!list.includes(e)) list.push(e);
        thresholds.set(r.thresholdSeconds, list);
      }
    }
    const count = `${this.m.histogram}_count`;
    const bucket = `${this.m.histogram}_bucket`;
    let totals: Map<Key, Float64Array>;
    let errors: Map<Key, Float64Array> | undefined;
    let good: Map<number, Map<Key, Float64Array>>;
    try {
      [totals, errors, good] = await Promise.all([
        grids(`sum by (${this.by()}) (rate(${selector(count, matchers(chunk))}${range}))`),
        wantsErrors ? grids(`sum by (${this.by()}) (rate(${selector(count, [...matchers(chunk), { label: this.m.labels.status, op: '=~', value: this.m.errorStatusRegex }])}${range}))`) : Promise.resolve(undefined),
        Promise.all([...thresholds].map(async ([le, list]) => [le, await grids(`sum by (${this.by()}) (rate(${selector(bucket, [...matchers(list), leMatch(le)])}${range}))`)] as const)).then((x) => new Map(x)),
      ]);
    } catch (err) {
      if (chunk.length > 1 && tooLarge(err)) throw err;
      for (const e of chunk) for (const i of e.requests) out[i] = err as Error;
      return;
    }
    for (const e of chunk) {
      const key = keyOf(e.service, e.endpoint);
      const total = totals.get(key);
      for (const i of e.requests) {
        const r = requests[i]!;
        // Events per step = rate × step, as one query per SLO would give; a step without a sample stays NaN.
        const events = (rate: Float64Array | undefined) => {
          const x = new Float64Array(n).fill(Number.NaN);
          if (rate) for (let k = 0; k < n; k++) if (!Number.isNaN(rate[k]!)) x[k] = 0 + rate[k]! * step;
          return x;
        };
        let badRate: Float64Array | undefined;
        if (r.sli === 'availability') badRate = errors?.get(key);
        else {
          const g = good.get(r.thresholdSeconds!)?.get(key);
          if (total && g) {
            badRate = new Float64Array(n);
            for (let k = 0; k < n; k++) badRate[k] = total[k]! - g[k]!; // NaN where either is missing
          }
        }
        out[i] = { t0: start, step, bad: events(badRate), total: events(total) };
      }
    }
  }

  /** One SLO's two series from its own queries (requests this source cannot batch). */
  private async alertSeriesOne(request: AlertSeriesRequest): Promise<AlertSeries | null> {
    const window = `${request.step}s`;
    const n = Math.floor((request.end - request.start) / request.step);
    if (n < 2) return null;
    const first = request.start + request.step;
    const grid = async (query: string) => {
      const out = new Float64Array(n).fill(Number.NaN);
      const series = await this.client.queryRangeGrid(renderWindow(query, window), first, request.start + n * request.step, request.step);
      for (const s of series) {
        for (let i = 0; i < n; i++) {
          const x = s.values[i]! * request.step;
          if (Number.isFinite(x)) out[i] = (Number.isNaN(out[i]!) ? 0 : out[i]!) + x;
        }
      }
      return out;
    };
    const [bad, total] = await Promise.all([grid(request.queries.bad), grid(request.queries.total)]);
    return { t0: request.start, step: request.step, bad, total };
  }

  /**
   * The totals, errors and buckets queries of a batch of services at one step. A reply over the byte
   * cap is fetched again for half the services. Hourly ones (`noHourly` given) are optional: a single
   * service whose hourly reply is still too large is logged and added to `noHourly` instead of failing.
   */
  private windowTasks(batch: string[], acc: Map<Key, Acc>, first: number, end: number, step: number, hourly: boolean, noHourly?: Set<string>): Array<() => Promise<void>> {
    const range = `[${step}s]`;
    const sel = (services: string[]): Matcher[] => [...this.baseMatchers(), anyOf(this.m.labels.service, services)];
    const count = (services: string[]) => selector(`${this.m.histogram}_count`, sel(services));
    const bad = (services: string[]) => selector(`${this.m.histogram}_count`, [...sel(services), { label: this.m.labels.status, op: '=~', value: this.m.errorStatusRegex }]);
    const bucket = (services: string[]) => selector(`${this.m.histogram}_bucket`, sel(services));
    const target = (a: Acc): NonNullable<Acc['hourly']> | Acc => {
      if (!hourly) return a;
      a.hourly ??= { totals: new Map(), errors: new Map(), buckets: new Map() };
      return a.hourly;
    };
    const run = (expr: (services: string[]) => string, apply: (a: NonNullable<Acc['hourly']>, s: GridSeries) => void) => async (): Promise<void> => {
      // A part's series are applied only once its whole reply is in, so a split never counts twice.
      const part = async (services: string[]): Promise<void> => {
        try {
          const result = await this.client.queryRangeGrid(expr(services), first, end, step);
          for (const s of result) {
            const a = acc.get(keyOf(s.metric[this.m.labels.service] ?? '', this.m.labels.route ? (s.metric[this.m.labels.route] ?? null) : null));
            if (a) apply(target(a), s);
          }
        } catch (err) {
          if (!noHourly || services.length > 1 || !tooLarge(err)) throw err;
          this.logger.warn({ service: services[0], err: (err as Error).message }, 'hourly series of this service exceed the reply cap; it is analysed without them (no queue model or within-day elasticity)');
          noHourly.add(services[0]!);
        }
      };
      await splitWhenTooLarge(batch, part);
    };
    return [
      run((b) => `sum by (${this.by()}) (increase(${count(b)}${range}))`, (t, s) => fill(t.totals, s, first, step)),
      run((b) => `sum by (${this.by()}) (increase(${bad(b)}${range}))`, (t, s) => fill(t.errors, s, first, step)),
      run((b) => `sum by (${this.by(['le'])}) (increase(${bucket(b)}${range}))`, (t, s) => {
        const le = Number(s.metric.le === '+Inf' ? Infinity : s.metric.le);
        if (!Number.isFinite(le)) return; // +Inf equals the total, which _count already gives
        s.values.forEach((v, i) => {
          if (Number.isNaN(v)) return; // no sample at this step
          const ts = first + i * step;
          let row = t.buckets.get(ts);
          if (!row) t.buckets.set(ts, (row = new Map()));
          row.set(le, v);
        });
      }),
    ];
  }

  /** Version spans per endpoint from the version label: contiguous steps with traffic on that version. */
  private async versionTask(services: string[], start: number, end: number, step: number): Promise<Map<Key, VersionSpan[]>> {
    const label = this.m.versionLabel!;
    const sel = selector(`${this.m.histogram}_count`, [...this.baseMatchers(), anyOf(this.m.labels.service, services)]);
    const result = await this.client.queryRange(`sum by (${this.by([label])}) (increase(${sel}[${step}s])) > 0`, start + step, end, step);
    const out = new Map<Key, VersionSpan[]>();
    for (const s of result) {
      const service = s.metric[this.m.labels.service];
      const version = s.metric[label];
      if (!service || !version) continue;
      const key = keyOf(service, this.m.labels.route ? (s.metric[this.m.labels.route] ?? null) : null);
      const spans = out.get(key) ?? [];
      for (const [ts] of s.values) {
        const last = spans.findLast((x) => x.version === version);
        if (last && last.end === ts - step) last.end = ts;
        else spans.push({ version, start: ts - step, end: ts });
      }
      out.set(key, spans);
    }
    for (const spans of out.values()) spans.sort((a, b) => a.start - b.start);
    return out;
  }

  private async replicaTask(first: number, end: number, step: number): Promise<Map<string, Array<{ start: number; end: number; count: number }>>> {
    const result = await this.client.queryRange(this.m.replicas!, first, end, step);
    const out = new Map<string, Array<{ start: number; end: number; count: number }>>();
    for (const s of result) {
      const service = s.metric[this.m.labels.service];
      if (!service) continue;
      out.set(service, s.values.map(([ts, v]) => ({ start: ts - step, end: ts, count: Number(v) })));
    }
    return out;
  }

  /** Exemplars are optional (most TSDBs keep them in memory only): failures are logged, not fatal. */
  private async exemplarTask(services: string[], start: number, end: number): Promise<Map<Key, ExemplarRef[]>> {
    const out = new Map<Key, ExemplarRef[]>();
    if (services.length === 0) return out;
    const sel = selector(`${this.m.histogram}_bucket`, [...this.baseMatchers(), anyOf(this.m.labels.service, services)]);
    let data;
    try {
      data = await this.client.exemplars(sel, start, end);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'exemplars unavailable; continuing without them');
      return out;
    }
    const max = this.options.maxExemplarsPerEndpoint ?? 20;
    for (const series of data) {
      const key = keyOf(series.seriesLabels[this.m.labels.service] ?? '', this.m.labels.route ? (series.seriesLabels[this.m.labels.route] ?? null) : null);
      const list = out.get(key) ?? [];
      for (const e of series.exemplars) {
        const traceId = e.labels.trace_id ?? e.labels.traceID ?? e.labels.traceId;
        if (!traceId) continue;
        list.push({ traceId, timestamp: e.timestamp, value: Number(e.value), labels: e.labels });
      }
      out.set(key, list);
    }
    // Keep the slowest: they back the latency evidence that matters.
    for (const [k, list] of out) out.set(k, list.sort((a, b) => (b.value ?? 0) - (a.value ?? 0)).slice(0, max));
    return out;
  }
}

/** Adds a grid's samples to per-window-end sums (NaN: no sample at that step). */
function fill(target: Map<number, number>, s: GridSeries, first: number, step: number): void {
  s.values.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    const ts = first + i * step;
    target.set(ts, (target.get(ts) ?? 0) + v);
  });
}

/**
 * Turns per-window-end values into WindowCounts. The value at t covers (t - step, t], so window
 * [t - step, t). Windows without a total sample are absent (a gap), never zero-filled.
 */
function toWindows(a: Pick<Acc, 'totals' | 'errors' | 'buckets'>, step: number): WindowCounts[] {
  const out: WindowCounts[] = [];
  for (const t of [...a.totals.keys()].sort((x, y) => x - y)) {
    const total = Math.max(0, a.totals.get(t) ?? 0);
    const w: WindowCounts = { start: t - step, end: t, total, errors: Math.min(total, Math.max(0, a.errors.get(t) ?? 0)) };
    const row = a.buckets.get(t);
    if (row && row.size > 0) w.latency = latency(row, total);
    out.push(w);
  }
  return out;
}

function latency(row: Map<number, number>, total: number): LatencyCounts {
  const thresholds = [...row.keys()].sort((x, y) => x - y);
  let prev = 0;
  // increase() extrapolates each bucket series on its own, so tiny inversions can appear: keep counts monotone and <= total.
  const goodCounts = thresholds.map((le) => (prev = Math.min(total, Math.max(prev, row.get(le) ?? 0))));
  return { thresholds, goodCounts };
}

/** The requests at `indexes` grouped per endpoint (service, route), in a stable order: the alert fetch and its screen chunk the same way. */
function endpointsOf(requests: AlertSeriesRequest[], indexes: number[]): Array<{ service: string; endpoint: string | null; requests: number[] }> {
  const endpoints = new Map<Key, { service: string; endpoint: string | null; requests: number[] }>();
  for (const i of indexes) {
    const r = requests[i]!;
    const key = keyOf(r.service, r.endpoint);
    const e = endpoints.get(key) ?? { service: r.service, endpoint: r.endpoint, requests: [] };
    e.requests.push(i);
    endpoints.set(key, e);
  }
  return [...endpoints.values()].sort((a, b) => a.service.localeCompare(b.service) || (a.endpoint ?? '').localeCompare(b.endpoint ?? ''));
}
