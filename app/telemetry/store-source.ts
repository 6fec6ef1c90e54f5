/**
 * The intake store as a datasource: per-minute aggregates -> EndpointHistory. Thresholds are free
 * here (a sketch answers "how many requests were <= t" for any t within 1%), so latency counts are
 * given on a grid of round candidate thresholds from 5 ms to 10 s instead of histogram bucket bounds.
 * Exemplar trace ids (slowest/error spans) and capsule trace ids become evidence pointers.
 */
import { performance } from 'node:perf_hooks';
import type { DDSketch } from '@datadog/sketches-js';
import type { EndpointHistory, ExemplarRef, LatencyCounts, VersionSpan, WindowCounts } from '../core/types.js';
import type { HistoryRequest, HistoryResult, HistorySource } from './source.js';
import { endpointFilter, type EndpointFilterOptions } from './filters.js';
import type { MergedAggregate, StoredCapsule, TelemetryStore } from '../store/telemetry.js';
import type { AlertEvent, AlertEventStore } from '../store/telemetry-alerts.js';

/** Round thresholds (seconds) an SLO would be written with. */
export const THRESHOLD_GRID = [
  0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5,
  0.6, 0.75, 0.8, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10,
];

/** Requests with latency <= each threshold, read off the sketch's buckets (1% relative accuracy). */
export function countsAtThresholds(sketch: DDSketch, thresholds: number[] = THRESHOLD_GRID): LatencyCounts {
  const store = sketch.store;
  const goodCounts = thresholds.map((t) => {
    // A bucket counts as "<= t" when its representative value is: each bucket spans +-1% around
    // that value, so the count is exact up to values within 1% of t (the sketch's guarantee).
    let maxKey = sketch.mapping.key(t);
    if (sketch.mapping.value(maxKey) > t) maxKey--;
    let n = sketch.zeroCount;
    for (let i = 0; i < store.bins.length; i++) {
      const key = i + store.offset;
      if (key > maxKey) break;
      n += store.bins[i] ?? 0;
    }
    return Math.min(n, sketch.count);
  });
  return { thresholds: [...thresholds], goodCounts };
}

/** `services`, `routes`, `defaultRouteExclude`: the config's globs, applied as the Prometheus source does. */
export interface StoreSourceOptions extends EndpointFilterOptions {
  store: TelemetryStore;
  tenant?: string;
  /** Capsules listed per endpoint's service as evidence (most severe first). */
  capsulesPerService?: number;
  /** Alertmanager events of the service are listed as evidence too, when given. */
  alerts?: AlertEventStore;
}

export class StoreHistorySource implements HistorySource {
  readonly name: string;

  constructor(private readonly options: StoreSourceOptions) {
    this.name = `SLO-Scout telemetry store${options.tenant ? ` (tenant ${options.tenant})` : ''}`;
  }

  async fetchHistories(request: HistoryRequest, onProgress?: (done: number, total: number) => void): Promise<HistoryResult> {
    const started = performance.now();
    const q = { tenant: this.options.tenant, services: request.services, from: request.end - request.windowSeconds, to: request.end };
    // Buckets aligned to the analysis end, so the last breach window is a whole one.
    const windows = await this.options.store.mergedAggregates(q, request.breachWindowSeconds, request.end);
    let queries = 1;
    let hourly: MergedAggregate[] = [];
    if (request.hourly) {
      hourly = await this.options.store.mergedAggregates(q, 3600, request.end);
      queries++;
    }
    const capsules = await this.options.store.topCapsules({ ...q, limit: 200, minSeverity: 13 /* WARN and above */ });
    queries++;
    const alerts = this.options.alerts ? await this.options.alerts.list({ ...q, limit: 500 }) : [];
    if (this.options.alerts) queries++;

    const keep = endpointFilter(this.options, request.services);
    const skipped: HistoryResult['skipped'] = [];
    const groups = new Map<string, MergedAggregate[]>();
    for (const m of windows) {
      const k = `${m.service}\u0000${m.endpoint}`;
      if (!groups.has(k)) {
        const reason = keep(m.service, m.endpoint);
        if (reason !== null) {
          if (!skipped.some((x) => x.service === m.service && x.endpoint === m.endpoint)) skipped.push({ service: m.service, endpoint: m.endpoint, reason });
          continue;
        }
      }
      groups.set(k, [...(groups.get(k) ?? []), m]);
    }
    const hourlyByKey = new Map<string, MergedAggregate[]>();
    for (const m of hourly) {
      const k = `${m.service}\u0000${m.endpoint}`;
      hourlyByKey.set(k, [...(hourlyByKey.get(k) ?? []), m]);
    }

    const histories: EndpointHistory[] = [];
    let done = 0;
    for (const [key, rows] of groups) {
      const { service, endpoint } = rows[0]!;
      histories.push({
        service,
        endpoint,
        windows: rows.map((r) => toWindow(r, request.breachWindowSeconds)),
        ...(request.hourly ? { hourly: (hourlyByKey.get(key) ?? []).map((r) => toWindow(r, 3600)) } : {}),
        versions: versionSpans(rows, request.breachWindowSeconds),
        exemplars: [
          ...spanExemplars(rows),
          ...capsuleExemplars(capsules.filter((c) => c.service === service).slice(0, this.options.capsulesPerService ?? 5)),
          ...alertExemplars(alerts.filter((a) => a.service === service).slice(0, 5)),
        ],
      });
      onProgress?.(++done, groups.size);
    }
    return { histories, skipped, stats: { backendSeconds: (performance.now() - started) / 1000, queries } };
  }
}

function toWindow(m: MergedAggregate, seconds: number): WindowCounts {
  return { start: m.bucket, end: m.bucket + seconds, total: m.count, errors: m.errors, latency: countsAtThresholds(m.sketch) };
}

function versionSpans(rows: MergedAggregate[], seconds: number): VersionSpan[] {
  const spans = new Map<string, VersionSpan>();
  for (const r of rows) {
    for (const v of r.versions) {
      const s = spans.get(v);
      if (!s) spans.set(v, { version: v, start: r.bucket, end: r.bucket + seconds });
      else s.end = Math.max(s.end, r.bucket + seconds);
    }
  }
  return [...spans.values()].sort((a, b) => a.start - b.start);
}

function spanExemplars(rows: MergedAggregate[]): ExemplarRef[] {
  const all = rows.flatMap((r) => r.exemplars);
  // Errors first, then the slowest: those are what a reviewer wants to open.
  all.sort((a, b) => Number(b.error) - Number(a.error) || b.durationSeconds - a.durationSeconds);
  return all.slice(0, 10).map((e) => ({ traceId: e.traceId, timestamp: e.timestamp, value: e.durationSeconds, labels: { kind: 'span', ...(e.error ? { error: 'true' } : {}) } }));
}

function capsuleExemplars(capsules: StoredCapsule[]): ExemplarRef[] {
  return capsules.map((c) => ({
    traceId: c.traceIds[0] ?? '',
    timestamp: Math.floor(c.lastSeen),
    labels: { kind: 'capsule', capsule_id: c.capsuleId, template: c.template, count: String(c.count), severity: String(c.severity) },
  }));
}

function alertExemplars(alerts: AlertEvent[]): ExemplarRef[] {
  return alerts.map((a) => ({
    traceId: '',
    timestamp: Math.floor(a.startsAt),
    labels: { kind: 'alert', alertname: a.alertname, status: a.status, ...(a.slo ? { slo: a.slo } : {}), ...(a.generatorUrl ? { url: a.generatorUrl } : {}) },
  }));
}
