/**
 * Spans -> per-minute series. Memory grows with the number of series (minute x service x endpoint x
 * status x version x environment), never with the number of spans: each series keeps two counters,
 * one DDSketch (1% relative accuracy) and a handful of exemplars.
 */
import { DDSketch } from '@datadog/sketches-js';
import { anyValueToString, attr, idToHex, int64Diff, int64ToNumber, type KeyValue, type Span, type TracesRequest } from './model.js';
import { SeriesBudget, timeProblem, truncateValue, type TimeWindow } from './limits.js';

export const SKETCH_RELATIVE_ACCURACY = 0.01;
const NS = 1e9;

export interface SeriesKey {
  tenant: string;
  /** unix seconds at the start of the minute the span ended in */
  minute: number;
  service: string;
  endpoint: string;
  /** HTTP status class ("2xx".."5xx") when the span has one, else the OTel span status ("ok" | "error" | "unset"). */
  status: string;
  version: string;
  environment: string;
}

export interface SpanExemplar {
  traceId: string;
  spanId: string;
  /** unix seconds */
  timestamp: number;
  durationSeconds: number;
  error: boolean;
}

export interface AggregateRow extends SeriesKey {
  count: number;
  errors: number;
  sumSeconds: number;
  /** Latency in seconds. */
  sketch: DDSketch;
  exemplars: SpanExemplar[];
}

export interface IngestOutcome {
  accepted: number;
  rejected: number;
  /** First few reasons, for partial_success.error_message. */
  reasons: string[];
}

export interface SpanAggregatorOptions {
  /** Series kept in memory between flushes; spans of new series beyond it are rejected (cardinality guard). */
  maxSeries?: number;
  /** Exemplars kept per series: the slowest spans and the first errors. */
  exemplarsPerSeries?: number;
  /** Distinct series (service, endpoint, status, version, environment) per tenant per window (limits.ts). */
  maxSeriesPerTenant?: number;
  seriesWindowSeconds?: number;
  /** Accepted span end times (limits.ts); `now` turns the −7 d / +1 h window on. */
  timeWindow?: TimeWindow;
}

interface ResourceInfo { service: string; version: string; environment: string }

export function resourceInfo(attrs: KeyValue[] | null | undefined): ResourceInfo {
  return {
    // The SDK default when service.name is missing is "unknown_service" (OTel resource semantic conventions).
    service: truncateValue(anyValueToString(attr(attrs, 'service.name')) || 'unknown_service'),
    version: truncateValue(anyValueToString(attr(attrs, 'service.version')) ?? ''),
    environment: truncateValue(anyValueToString(attr(attrs, 'deployment.environment.name', 'deployment.environment')) ?? ''),
  };
}

/** http.route, then rpc.service/rpc.method, then the span name (semantic conventions, old and new keys). */
export function endpointOf(span: Span): string {
  return truncateValue(rawEndpointOf(span));
}

function rawEndpointOf(span: Span): string {
  const route = anyValueToString(attr(span.attributes, 'http.route'));
  if (route) return route;
  const method = anyValueToString(attr(span.attributes, 'rpc.method'));
  if (method) {
    const service = anyValueToString(attr(span.attributes, 'rpc.service'));
    return service ? `${service}/${method}` : method;
  }
  return span.name || '(unnamed)';
}

// OTel span status codes (trace.proto Status.StatusCode).
const STATUS_ERROR = 2;
const STATUS_OK = 1;

function statusOf(span: Span): { status: string; error: boolean } {
  const http = attr(span.attributes, 'http.response.status_code', 'http.status_code');
  const code = http ? Number(anyValueToString(http)) : NaN;
  const otelError = span.status?.code === STATUS_ERROR;
  if (Number.isFinite(code) && code >= 100) {
    return { status: `${Math.floor(code / 100)}xx`, error: code >= 500 || otelError };
  }
  return { status: otelError ? 'error' : span.status?.code === STATUS_OK ? 'ok' : 'unset', error: otelError };
}

export class SpanAggregator {
  private series = new Map<string, AggregateRow>();
  private readonly maxSeries: number;
  private readonly exemplarsPerSeries: number;
  private readonly budget: SeriesBudget;
  private readonly timeWindow: TimeWindow;

  constructor(options: SpanAggregatorOptions = {}) {
    this.maxSeries = options.maxSeries ?? 200_000;
    this.exemplarsPerSeries = options.exemplarsPerSeries ?? 3;
    this.timeWindow = options.timeWindow ?? {};
    this.budget = new SeriesBudget(options.maxSeriesPerTenant, options.seriesWindowSeconds, this.timeWindow.now);
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Adds every valid span; invalid spans are counted and explained, never half-applied. */
  addTraces(tenant: string, request: TracesRequest): IngestOutcome {
    const out: IngestOutcome = { accepted: 0, rejected: 0, reasons: [] };
    for (const rs of request.resourceSpans ?? []) {
      const res = resourceInfo(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          const reason = this.addSpan(tenant, res, span);
          if (reason === null) out.accepted++;
          else {
            out.rejected++;
            if (out.reasons.length < 5) out.reasons.push(reason);
          }
        }
      }
    }
    return out;
  }

  private addSpan(tenant: string, res: ResourceInfo, span: Span): string | null {
    const endNs = int64ToNumber(span.endTimeUnixNano);
    const durNs = int64Diff(span.endTimeUnixNano, span.startTimeUnixNano);
    if (!(endNs > 0) || int64ToNumber(span.startTimeUnixNano) <= 0) return `span "${span.name ?? ''}": start/end time missing`;
    if (!(durNs >= 0)) return `span "${span.name ?? ''}": end time before start time`;
    const bad = timeProblem(endNs / NS, this.timeWindow);
    if (bad) return `span "${truncateValue(span.name ?? '', 80)}": end ${bad}`;
    const endpoint = endpointOf(span);
    const { status, error } = statusOf(span);
    const minute = Math.floor(endNs / NS / 60) * 60;
    const identity = `${res.service}\u0000${endpoint}\u0000${status}\u0000${res.version}\u0000${res.environment}`;
    const key = `${tenant}\u0000${minute}\u0000${identity}`;
    let row = this.series.get(key);
    if (!row) {
      // The tenant's own budget first: one tenant's cardinality must not use up the others' room.
      if (!this.budget.admit(tenant, identity)) return `series limit ${this.budget.limit} per tenant per ${this.budget.windowSeconds / 60} min reached: too many distinct endpoints (check http.route cardinality)`;
      if (this.series.size >= this.maxSeries) return `series limit ${this.maxSeries} reached: too many distinct endpoints (check http.route cardinality)`;
      row = { tenant, minute, service: res.service, endpoint, status, version: res.version, environment: res.environment, count: 0, errors: 0, sumSeconds: 0, sketch: new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY }), exemplars: [] };
      this.series.set(key, row);
    }
    const seconds = durNs / NS;
    row.count++;
    if (error) row.errors++;
    row.sumSeconds += seconds;
    // DDSketch maps 0 to its zero bucket; durations are never negative here.
    row.sketch.accept(seconds);
    this.offerExemplar(row, span, endNs, seconds, error);
    return null;
  }

  /** Keeps the slowest spans, preferring errors; ids are hex-encoded only for the few kept. */
  private offerExemplar(row: AggregateRow, span: Span, endNs: number, seconds: number, error: boolean): void {
    const ex = row.exemplars;
    if (ex.length >= this.exemplarsPerSeries) {
      let weakest = 0;
      for (let i = 1; i < ex.length; i++) if (rank(ex[i]!) < rank(ex[weakest]!)) weakest = i;
      if (rank({ error, durationSeconds: seconds }) <= rank(ex[weakest]!)) return;
      ex.splice(weakest, 1);
    }
    ex.push({ traceId: idToHex(span.traceId), spanId: idToHex(span.spanId), timestamp: Math.floor(endNs / NS), durationSeconds: seconds, error });
  }

  /** Hands over everything aggregated so far and starts empty (called by the flush timer). */
  drain(): AggregateRow[] {
    const rows = [...this.series.values()];
    this.series = new Map();
    return rows;
  }

  /** Puts rows back after a failed flush so the next flush retries them (merging is exact). */
  restore(rows: AggregateRow[]): void {
    for (const row of rows) {
      const key = `${row.tenant}\u0000${row.minute}\u0000${row.service}\u0000${row.endpoint}\u0000${row.status}\u0000${row.version}\u0000${row.environment}`;
      const cur = this.series.get(key);
      if (!cur) this.series.set(key, row);
      else {
        cur.count += row.count;
        cur.errors += row.errors;
        cur.sumSeconds += row.sumSeconds;
        cur.sketch.merge(row.sketch);
        cur.exemplars = [...cur.exemplars, ...row.exemplars].sort((a, b) => rank(b) - rank(a)).slice(0, this.exemplarsPerSeries);
      }
    }
  }
}

// Errors outrank any success; among equals, slower is more interesting.
function rank(e: { error: boolean; durationSeconds: number }): number {
  return (e.error ? 1e9 : 0) + e.durationSeconds;
}
