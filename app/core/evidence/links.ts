import { formatDuration } from '../time.js';

/** Links from evidence to the real data. Pure string building: the URLs come from config. */

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Prometheus' graph page expects "YYYY-MM-DD HH:MM:SS" (UTC) in end_input. */
function promTime(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A Prometheus graph of `expr` around [start, end): the window plus half a window either side,
 * so the dip is visible against its surroundings.
 */
export function prometheusGraphUrl(baseUrl: string, expr: string, start: number, end: number): string {
  const span = Math.max(60, end - start);
  const params = [
    `g0.expr=${encodeURIComponent(expr)}`,
    `g0.range_input=${formatDuration(2 * span)}`,
    `g0.end_input=${encodeURIComponent(promTime(end + span / 2))}`,
    `g0.moment_input=${encodeURIComponent(promTime(end + span / 2))}`,
    'g0.tab=0',
  ];
  return `${trimBase(baseUrl)}/graph?${params.join('&')}`;
}

/** Grafana Explore (panes schema, Grafana 10+) with the same query and range. */
export function grafanaExploreUrl(baseUrl: string, datasourceUid: string | undefined, expr: string, start: number, end: number): string {
  const span = Math.max(60, end - start);
  const uid = datasourceUid ?? 'prometheus';
  const panes = {
    slo: {
      datasource: uid,
      queries: [{ refId: 'A', expr, datasource: { type: 'prometheus', uid } }],
      range: { from: String(Math.round((start - span / 2) * 1000)), to: String(Math.round((end + span / 2) * 1000)) },
    },
  };
  return `${trimBase(baseUrl)}/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}

/** Tempo's HTTP search API (`GET /api/search?q=<TraceQL>&start&end`), unix seconds. */
export function tempoSearchUrl(baseUrl: string, traceql: string, start: number, end: number, limit = 20): string {
  return `${trimBase(baseUrl)}/api/search?q=${encodeURIComponent(traceql)}&start=${Math.floor(start)}&end=${Math.ceil(end)}&limit=${limit}`;
}
