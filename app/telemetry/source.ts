import type { EndpointHistory } from '../core/types.js';

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
}

export interface HistoryResult {
  histories: EndpointHistory[];
  /** Endpoints the source saw but could not use, with the reason (shown in the report). */
  skipped: Array<{ service: string; endpoint: string | null; reason: string }>;
  /** Time spent waiting on the backend and the number of backend queries. */
  stats: { backendSeconds: number; queries: number };
}

export interface HistorySource {
  /** Human name for messages ("Prometheus at http://...", "demo fleet"). */
  readonly name: string;
  fetchHistories(request: HistoryRequest, onProgress?: (done: number, total: number) => void): Promise<HistoryResult>;
}
