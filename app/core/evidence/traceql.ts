/**
 * TraceQL for "the slow (or failing) spans of this endpoint", shared by the recommender's evidence
 * links and the Tempo adapter, so both search for exactly the same thing.
 */

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** TraceQL duration literal: whole milliseconds under a second (300ms), seconds above (2.5s). */
export function traceqlDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000 * 1000) / 1000}ms`;
  return `${Math.round(seconds * 1000) / 1000}s`;
}

/**
 * `{ resource.service.name = "x" && span.http.route = "/y" && duration > 300ms }` for a latency
 * threshold, or `… && status = error }` for availability (threshold null). Attribute names follow
 * the OpenTelemetry semantic conventions Tempo indexes.
 */
export function traceqlFor(service: string, endpoint: string | null, thresholdSeconds: number | null): string {
  const parts = [`resource.service.name = ${quote(service)}`];
  if (endpoint !== null) parts.push(`span.http.route = ${quote(endpoint)}`);
  parts.push(thresholdSeconds === null ? 'status = error' : `duration > ${traceqlDuration(thresholdSeconds)}`);
  return `{ ${parts.join(' && ')} }`;
}
