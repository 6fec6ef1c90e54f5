import type { SliQueries } from '../report.js';
import type { SliSource } from '../types.js';

/**
 * PromQL builders for SLIs. Queries carry Sloth's `{{.window}}` placeholder so exports can render
 * them for any range (5m … 30d) and the Prometheus adapter can reuse the selector builder.
 */

export const WINDOW_PLACEHOLDER = '{{.window}}';

/**
 * Metric and label names of the OpenTelemetry HTTP semantic conventions as exported to Prometheus
 * (`http.server.request.duration` -> `http_server_request_duration_seconds`); used when an adapter
 * gives no source of its own.
 */
export function defaultOtelSource(service: string, endpoint: string | null): SliSource {
  return {
    histogramMetric: 'http_server_request_duration_seconds',
    countMetric: 'http_server_request_duration_seconds_count',
    bucketMetric: 'http_server_request_duration_seconds_bucket',
    selector: endpoint === null ? { service_name: service } : { service_name: service, http_route: endpoint },
    statusLabel: 'http_response_status_code',
    errorStatusRegex: '5..',
  };
}

/** Escapes a label value for a double-quoted PromQL string (backslash, quote, newline). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `{a="x",b="y",<extra…>}` with label names validated and values escaped; `{}` is never emitted empty-handed. */
export function selector(matchers: Record<string, string>, extra: string[] = []): string {
  const parts = Object.entries(matchers).map(([name, value]) => {
    if (!LABEL_NAME_RE.test(name)) throw new Error(`"${name}" is not a valid Prometheus label name; use letters, digits and underscores (config metrics.labels)`);
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return `{${[...parts, ...extra].join(',')}}`;
}

/** A bound as Prometheus exporters print it (Go's shortest float form: 0.25, 1, 10). */
export function formatLe(bound: number): string {
  return String(bound);
}

/**
 * Matcher for one `le` bucket. Integer bounds are written "1" by most exporters but "1.0" by
 * others (OpenMetrics, Prometheus 3 normalisation), so they match either spelling.
 */
export function leMatcher(bound: number): string {
  const text = formatLe(bound);
  return Number.isInteger(bound) ? `le=~"${text}(\\\\.0)?"` : `le="${text}"`;
}

/** Good = requests under the threshold bucket; total = the histogram count; bad = total − good. */
export function latencyQueries(source: SliSource, thresholdSeconds: number): SliQueries {
  const good = `sum(rate(${source.bucketMetric}${selector(source.selector, [leMatcher(thresholdSeconds)])}[${WINDOW_PLACEHOLDER}]))`;
  const total = `sum(rate(${source.countMetric}${selector(source.selector)}[${WINDOW_PLACEHOLDER}]))`;
  return { good, total, bad: `(${total} - ${good})` };
}

/** Bad = requests whose status matches the error regex (5xx by default); good = total − bad. */
export function availabilityQueries(source: SliSource): SliQueries {
  const bad = `sum(rate(${source.countMetric}${selector(source.selector, [`${source.statusLabel}=~"${escapeLabelValue(source.errorStatusRegex)}"`])}[${WINDOW_PLACEHOLDER}]))`;
  const total = `sum(rate(${source.countMetric}${selector(source.selector)}[${WINDOW_PLACEHOLDER}]))`;
  return { good: `(${total} - ${bad})`, bad, total };
}

/** Renders a query for one range, e.g. `5m`. */
export function renderWindow(query: string, window: string): string {
  return query.split(WINDOW_PLACEHOLDER).join(window);
}

/** The SLI as a ratio over `window`, for graph links: good / total. */
export function sliRatioExpr(queries: SliQueries, window: string): string {
  return `${renderWindow(queries.good, window)} / ${renderWindow(queries.total, window)}`;
}
