import type { EndpointHistory } from '../core/types.js';
import type { AlertBlocks } from '../core/alerts/screen.js';

/** What the analysis asks any datasource for (Prometheus, the OTLP store, the demo fleet). */
export interface HistoryRequest {
  /** unix seconds; the analysis is made as of this moment. */
  end: number;
  windowSeconds: number;
  breachWindowSeconds: number;
  /** Restrict to these services (already filtered by config include/exclude when absent). */
  services?: string[];
  /** Also fetch 1h-granularity series (the simulator wants them). */
  hourly?: boolean;
  /**
   * 'hourly': only the 1h series are wanted (with `hourly: true`, for `services` whose daily windows
   * the caller already has). A source may honour it by returning histories with the `hourly` series
   * and empty `windows`, skipping the daily queries, versions and exemplars; one that ignores it
   * returns everything, and the caller must take only `hourly` from either.
   */
  only?: 'hourly';
}

export interface HistoryResult {
  histories: EndpointHistory[];
  /** Endpoints the source saw but could not use, with the reason (shown in the report). */
  skipped: Array<{ service: string; endpoint: string | null; reason: string }>;
  stats: SourceStats;
}

/**
 * Seconds the analysis spent only waiting on the backend (for Prometheus: this thread idle while a
 * query was in flight; for an in-process source: the time it took), and the number of backend queries.
 */
export interface SourceStats { backendSeconds: number; queries: number }

/** The two series the burn-rate alerts of one SLO need (issue 11 §5), at the rules' resolution. */
export interface AlertSeriesRequest {
  service: string;
  endpoint: string | null;
  sli: 'latency' | 'availability';
  thresholdSeconds: number | null;
  /** The SLI queries with the `{{.window}}` placeholder (what the rules record). */
  queries: { bad: string; total: string };
  start: number;
  end: number;
  step: number;
}

/** Bad and valid events per step: element i covers (t0 + i·step, t0 + (i + 1)·step]; NaN = no data. */
export interface AlertSeries { t0: number; step: number; bad: Float64Array; total: Float64Array }

export interface AlertSeriesResult { series: Array<AlertSeries | null | Error>; stats: SourceStats }

/** Per request: hourly blocks of its per-step events (app/core/alerts/screen.ts), null when the source cannot give them exactly, the Error when its query failed. */
export interface AlertBlocksResult { blocks: Array<AlertBlocks | null | Error>; stats: SourceStats }

/** Per request: false when the source saw no samples dense enough for `rate` at request.step, true when it did or cannot tell. */
export interface AlertDensityResult { dense: boolean[]; stats: SourceStats }

/**
 * Called with some services' histories as soon as all of their queries are in, so the analysis can
 * work on them while later services' queries are out. Each service's endpoints come in one call, and
 * the calls together hold exactly the result's histories (the same objects; the result's order rules).
 */
export type HistoryBatchHandler = (histories: EndpointHistory[]) => void;

export interface HistorySource {
  /** Human name for messages ("Prometheus at http://...", "demo fleet"). */
  readonly name: string;
  /** `onBatch` is optional for a source: one that ignores it delivers everything with the result. */
  fetchHistories(request: HistoryRequest, onProgress?: (done: number, total: number) => void, onBatch?: HistoryBatchHandler): Promise<HistoryResult>;
  /**
   * Optional: per-step bad and valid events for the alert replay, one entry per request (null when
   * unavailable, the Error when its query failed). Many at once, so a source can batch its queries.
   */
  fetchAlertSeries?(requests: AlertSeriesRequest[]): Promise<AlertSeriesResult>;
  /**
   * Optional, and much cheaper than fetchAlertSeries: whether the requests' counters are sampled
   * densely enough for the rules' `rate(...[step])` (two samples within one step) somewhere in their
   * range. The alert replay does not fetch the series of a request found not dense; a source that
   * is unsure answers true, so the worst a probe costs is the fetch it was meant to spare.
   */
  probeAlertSeries?(requests: AlertSeriesRequest[]): Promise<AlertDensityResult>;
  /**
   * Optional, and cheaper than fetchAlertSeries: per request, aggregates over blocks of `blockSteps`
   * steps of exactly the per-step events fetchAlertSeries would return, from which the alert replay
   * proves that some SLOs cannot fire and fetches only the others. A source without it (the demo
   * fleet) has every SLO fetched; one that cannot give a request's blocks exactly answers null.
   */
  screenAlertSeries?(requests: AlertSeriesRequest[], blockSteps: number): Promise<AlertBlocksResult>;
}
