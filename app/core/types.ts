/**
 * Core input types: what telemetry adapters (Prometheus, the OTLP store, the demo fleet)
 * hand to the analysis core. Everything is already aggregated per window; the core never
 * sees raw samples (DESIGN.md "Scale": aggregation is pushed down to the metrics engine).
 *
 * Times are unix seconds (numbers), so the core needs no clock and no Date parsing.
 */

/** Aggregated traffic of one endpoint over one window [start, end). */
export interface WindowCounts {
  start: number;
  end: number;
  /** Valid events (requests) in the window. */
  total: number;
  /** Bad events for availability (by default 5xx responses). */
  errors: number;
  /**
   * Latency as counts of requests at or under each threshold, thresholds ascending (seconds).
   * For a classic Prometheus histogram these are the bucket bounds (`le`) and their
   * cumulative counts; for a sketch-backed store they are a grid of candidate thresholds.
   * `+Inf` is not listed: `total` plays that role. Absent when the endpoint has no latency data.
   */
  latency?: LatencyCounts;
}

export interface LatencyCounts {
  thresholds: number[];
  /** goodCounts[i] = requests with latency <= thresholds[i]; non-decreasing. */
  goodCounts: number[];
}

/** A trace or event that backs a number, found by the adapter (exemplar, Tempo search hit, capsule). */
export interface ExemplarRef {
  traceId: string;
  /** unix seconds */
  timestamp: number;
  /** observed latency in seconds, when known */
  value?: number;
  labels?: Record<string, string>;
}

/** A period during which one version of the service was live (from a version label). */
export interface VersionSpan {
  version: string;
  start: number;
  end: number;
}

/** Where the numbers came from, so exports can emit the same SLI as queries. */
export interface SliSource {
  /** Metric names and label names the adapter used (see config `metrics`). */
  histogramMetric: string;
  /** Name of the counter for total requests (histogram `_count`). */
  countMetric: string;
  /** Name of the bucket series (histogram `_bucket`). */
  bucketMetric: string;
  /** Label matchers selecting this endpoint, e.g. { service_name: "checkout", http_route: "/pay" }. */
  selector: Record<string, string>;
  /** Label carrying the status code and the regex that marks a bad event. */
  statusLabel: string;
  errorStatusRegex: string;
}

/** Everything the core knows about one service endpoint. */
export interface EndpointHistory {
  service: string;
  /** null for a whole-service SLI (no route label). */
  endpoint: string | null;
  /** Breach-window granularity (default 1 day), ascending, contiguous; missing data = absent window. */
  windows: WindowCounts[];
  /** Optional finer series (1h) for seasonality and the simulator. */
  hourly?: WindowCounts[];
  versions?: VersionSpan[];
  /** Observed replica count over time (from `count(up{...})` or config). */
  replicas?: Array<{ start: number; end: number; count: number }>;
  exemplars?: ExemplarRef[];
  source?: SliSource;
}
