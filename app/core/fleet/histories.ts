import { defaultOtelSource } from '../sli/promql.js';
import { fastRng, hashSeed } from '../sli/stats.js';
import type { EndpointHistory, ExemplarRef, SliSource, VersionSpan, WindowCounts } from '../types.js';
import { DAY, OTEL_HTTP_BUCKETS, type FleetEndpoint, type FleetSpec, type FleetStep } from './model.js';
import { describeFleet } from './scenarios.js';
import { fleetSteps } from './steps.js';

/** Metric and label names of the OpenTelemetry HTTP semantic conventions as exported to Prometheus. */
export function otelSource(service: string, endpoint: string): SliSource {
  return defaultOtelSource(service, endpoint);
}

export interface FleetHistoryOptions { breachWindowSeconds: number; hourly?: boolean }

/**
 * Aggregated history per endpoint, as a metrics backend would return it: windows of
 * `breachWindowSeconds` aligned to `spec.end`, windows without samples left out (gaps).
 */
export function fleetHistories(spec: FleetSpec, options: FleetHistoryOptions): EndpointHistory[] {
  return describeFleet(spec).map((ep) => endpointHistory(spec, ep, options));
}

export function endpointHistory(spec: FleetSpec, ep: FleetEndpoint, options: FleetHistoryOptions): EndpointHistory {
  const bw = options.breachWindowSeconds;
  const nWin = Math.floor((spec.days * DAY) / bw);
  const first = spec.end - nWin * bw;
  const windows = new Aggregator(first, bw);
  const hourly = options.hourly ? new Aggregator(first, 3600) : undefined;
  const versions: VersionSpan[] = [];
  const replicas: Array<{ start: number; end: number; count: number }> = [];
  const exemplarRng = fastRng(hashSeed(spec.seed, ep.service, ep.endpoint, 'exemplars'));
  const exemplars: ExemplarRef[] = [];
  const step = spec.stepSeconds ?? 300;
  for (const s of fleetSteps(spec, ep)) {
    if (s.t < first) continue;
    const closed = windows.add(s);
    if (closed) exemplars.push(...closed.exemplars(exemplarRng, step));
    hourly?.add(s);
    extendSpan(versions, s.version, s.t, s.t + step, (a, b) => a.version === b, (v) => ({ version: v, start: s.t, end: s.t + step }));
    extendSpan(replicas, s.replicas, s.t, s.t + step, (a, b) => a.count === b, (c) => ({ count: c, start: s.t, end: s.t + step }));
  }
  const last = windows.flush();
  if (last) exemplars.push(...last.exemplars(exemplarRng, step));
  hourly?.flush();
  return {
    service: ep.service,
    endpoint: ep.endpoint,
    windows: windows.done,
    ...(hourly ? { hourly: hourly.done } : {}),
    versions,
    replicas,
    exemplars,
    source: otelSource(ep.service, ep.endpoint),
  };
}

function extendSpan<T extends { start: number; end: number }, V>(spans: T[], value: V, _start: number, end: number, same: (s: T, v: V) => boolean, make: (v: V) => T): void {
  const lastSpan = spans[spans.length - 1];
  // A gap does not end a version's span: the same version was live on both sides of it.
  if (lastSpan && same(lastSpan, value)) lastSpan.end = end;
  else spans.push(make(value));
}

/** One window being filled; remembers the slowest step and an erroring step to mint exemplars from. */
class OpenWindow {
  total = 0;
  errors = 0;
  readonly buckets = new Array<number>(OTEL_HTTP_BUCKETS.length + 1).fill(0);
  slowest: { t: number; bucket: number } | undefined;
  errorStep: number | undefined;
  constructor(readonly start: number, readonly end: number) {}

  add(s: FleetStep): void {
    this.total += s.total;
    this.errors += s.errors;
    for (let i = 0; i < s.bucketCounts.length; i++) {
      const c = s.bucketCounts[i]!;
      this.buckets[i] += c;
      if (c > 0 && (!this.slowest || i > this.slowest.bucket)) this.slowest = { t: s.t, bucket: i };
    }
    if (s.errors > 0 && this.errorStep === undefined) this.errorStep = s.t;
  }

  counts(): WindowCounts {
    const goodCounts: number[] = [];
    let cum = 0;
    for (let i = 0; i < OTEL_HTTP_BUCKETS.length; i++) goodCounts.push((cum += this.buckets[i]!));
    return { start: this.start, end: this.end, total: this.total, errors: this.errors, latency: { thresholds: [...OTEL_HTTP_BUCKETS], goodCounts } };
  }

  /** Fake but well-formed exemplars (32-hex trace ids), placed where the slow and failing requests were. */
  exemplars(rng: ReturnType<typeof fastRng>, step: number): ExemplarRef[] {
    const out: ExemplarRef[] = [];
    const traceId = () => Array.from({ length: 4 }, () => rng.int(0, 0xffffffff).toString(16).padStart(8, '0')).join('');
    if (this.slowest) {
      const b = this.slowest.bucket;
      const lo = b === 0 ? 0 : OTEL_HTTP_BUCKETS[b - 1]!;
      const hi = OTEL_HTTP_BUCKETS[b] ?? lo * 1.5;
      out.push({ traceId: traceId(), timestamp: this.slowest.t + rng.int(0, step - 1), value: lo + (hi - lo) * rng.next(), labels: { http_response_status_code: '200' } });
    }
    if (this.errorStep !== undefined) {
      out.push({ traceId: traceId(), timestamp: this.errorStep + rng.int(0, step - 1), labels: { http_response_status_code: '503' } });
    }
    return out;
  }
}

class Aggregator {
  readonly done: WindowCounts[] = [];
  private open: OpenWindow | undefined;
  constructor(private readonly first: number, private readonly size: number) {}

  /** Adds a step; returns the window it closed, if any. */
  add(s: FleetStep): OpenWindow | undefined {
    const start = this.first + Math.floor((s.t - this.first) / this.size) * this.size;
    let closed: OpenWindow | undefined;
    if (this.open && this.open.start !== start) closed = this.flush();
    this.open ??= new OpenWindow(start, start + this.size);
    this.open.add(s);
    return closed;
  }

  flush(): OpenWindow | undefined {
    const w = this.open;
    if (w) this.done.push(w.counts());
    this.open = undefined;
    return w;
  }
}
