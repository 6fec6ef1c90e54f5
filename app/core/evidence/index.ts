import type { Evidence, SliQueries, VariantType } from '../report.js';
import { sliRatioExpr } from '../sli/promql.js';
import type { ExemplarRef, WindowCounts } from '../types.js';
import { grafanaExploreUrl, prometheusGraphUrl, tempoSearchUrl } from './links.js';
import { traceqlFor } from './traceql.js';

export { traceqlFor, traceqlDuration } from './traceql.js';
export { prometheusGraphUrl, grafanaExploreUrl, tempoSearchUrl } from './links.js';

export interface EvidenceLinks { prometheusUrl?: string; grafanaUrl?: string; grafanaDatasourceUid?: string; tempoUrl?: string }

const isoCache = new Map<number, string>();

/** RFC 3339 in UTC without milliseconds. Memoised (bounded): a report formats the same window edges thousands of times. */
export function isoTime(t: number): string {
  let s = isoCache.get(t);
  if (s === undefined) {
    s = new Date(t * 1000).toISOString().replace('.000Z', 'Z');
    if (isoCache.size > 50_000) isoCache.clear();
    isoCache.set(t, s);
  }
  return s;
}

/** The `count` windows with the lowest SLI (ties: the most recent first), worst first. */
export function worstWindows(windows: WindowCounts[], sliOf: (w: WindowCounts) => number | null, count: number): Array<{ w: WindowCounts; sli: number }> {
  // The first `count` of a stable sort by (sli, -start), kept by insertion as the windows stream past:
  // every proposal asks for 3 of a few dozen windows, and sorting them all was a visible share of
  // the report's cost (issue 11 §7). A window goes after every kept one that sorts before or level
  // with it, as the stable sort would keep it.
  const top: Array<{ w: WindowCounts; sli: number }> = [];
  if (count <= 0) return top;
  for (const w of windows) {
    const sli = sliOf(w);
    if (sli === null) continue;
    let i = top.length;
    while (i > 0 && (sli - top[i - 1]!.sli || top[i - 1]!.w.start - w.start) < 0) i--;
    if (i >= count) continue;
    top.splice(i, 0, { w, sli });
    if (top.length > count) top.pop();
  }
  return top;
}

export interface VariantEvidenceInput {
  service: string;
  endpoint: string | null;
  variant: VariantType;
  targetFraction: number;
  thresholdSeconds: number | null;
  queries: SliQueries;
  windows: WindowCounts[];
  sliOf: (w: WindowCounts) => number | null;
  exemplars: ExemplarRef[];
  /** Which exemplars count as "bad" for this SLI (slower than the threshold, or an error). */
  isBadExemplar: (e: ExemplarRef) => boolean;
  links: EvidenceLinks;
  /** Label for the window length in graph queries (rate range), e.g. "5m". */
  graphRate?: string;
}

/**
 * Evidence for one variant: its worst windows (with a graph link), exemplar traces from those
 * windows, and a Tempo search for the bad spans of the worst window.
 */
export function variantEvidence(input: VariantEvidenceInput): Evidence[] {
  const out: Evidence[] = [];
  const worst = worstWindows(input.windows, input.sliOf, 3);
  // Only a graph link reads the expression: without a Grafana or Prometheus URL it is not built.
  let expr: string | undefined;
  const exprOf = () => (expr ??= sliRatioExpr(input.queries, input.graphRate ?? '5m'));
  const pct = (x: number) => `${(x * 100).toFixed(x > 0.999 ? 3 : 2)}%`;
  for (const { w, sli } of worst) {
    const breached = sli < input.targetFraction - 1e-12;
    const url = input.links.grafanaUrl
      ? grafanaExploreUrl(input.links.grafanaUrl, input.links.grafanaDatasourceUid, exprOf(), w.start, w.end)
      : input.links.prometheusUrl ? prometheusGraphUrl(input.links.prometheusUrl, exprOf(), w.start, w.end) : undefined;
    out.push({
      kind: 'worst-window',
      description: `SLI ${pct(sli)} over ${String(w.total).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} requests, ${isoTime(w.start)} to ${isoTime(w.end)}: ${breached ? 'below' : 'meets'} the ${pct(input.targetFraction)} target`,
      start: isoTime(w.start),
      end: isoTime(w.end),
      value: sli,
      variants: [input.variant],
      ...(url ? { url } : {}),
    });
  }
  const inWorst = input.exemplars
    .filter((e) => worst.some(({ w }) => e.timestamp >= w.start && e.timestamp < w.end) && input.isBadExemplar(e))
    .slice(0, 3);
  for (const e of inWorst) {
    out.push({
      kind: 'exemplar',
      description: e.value !== undefined
        ? `trace ${e.traceId}: ${Math.round(e.value * 1000)} ms at ${isoTime(e.timestamp)}`
        : `trace ${e.traceId}: failed request at ${isoTime(e.timestamp)}${e.labels ? ` (${Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`,
      traceId: e.traceId,
      start: isoTime(e.timestamp),
      variants: [input.variant],
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(input.links.tempoUrl ? { url: `${input.links.tempoUrl.replace(/\/+$/, '')}/api/traces/${e.traceId}` } : {}),
    });
  }
  if (input.links.tempoUrl && worst.length > 0) {
    const { w } = worst[0]!;
    const q = traceqlFor(input.service, input.endpoint, input.thresholdSeconds);
    out.push({
      kind: 'trace-search',
      description: `Tempo search ${q} in the worst window`,
      url: tempoSearchUrl(input.links.tempoUrl, q, w.start, w.end),
      start: isoTime(w.start),
      end: isoTime(w.end),
      variants: [input.variant],
    });
  }
  return out;
}

/**
 * Variants often share a window or a trace; keep one evidence entry and list every variant it backs.
 */
export function mergeEvidence(items: Evidence[]): Evidence[] {
  const byKey = new Map<string, Evidence>();
  for (const e of items) {
    const key = `${e.kind}|${e.start ?? ''}|${e.traceId ?? ''}|${e.url ?? ''}|${e.description}`;
    const seen = byKey.get(key);
    if (seen && seen.variants && e.variants) seen.variants = [...new Set([...seen.variants, ...e.variants])];
    else if (!seen) byKey.set(key, { ...e, ...(e.variants ? { variants: [...e.variants] } : {}) });
  }
  return [...byKey.values()];
}
