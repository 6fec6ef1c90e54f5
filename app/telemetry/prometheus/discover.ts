/**
 * What a Prometheus holds, for `slo-scout init`: the request-duration histograms, the label names
 * on the busiest one, and traffic per service and route. A handful of instant queries, each capped
 * (topk) so a Prometheus with thousands of services answers quickly and the reply stays small.
 */
import { HISTOGRAM_PREFERENCE, pickLabel, ROUTE_LABELS, SERVICE_LABELS, STATUS_LABELS, VERSION_LABELS, type Discovery } from '../../config/starter.js';
import { formatDuration } from '../../core/time.js';
import type { PrometheusClient } from './client.js';

const PROBE_RE = /(^|\/)(health[a-z]*|healthz|livez|readyz|ready|ping|metrics|status)$/i;
const MAX_SERIES = 5000;
const rank = (name: string) => {
  const i = HISTOGRAM_PREFERENCE.indexOf(name);
  return i < 0 ? HISTOGRAM_PREFERENCE.length : i;
};

export async function discoverPrometheus(client: PrometheusClient, options: { end: number; lookbackSeconds: number }): Promise<Discovery> {
  const { end, lookbackSeconds } = options;
  const lb = formatDuration(lookbackSeconds);
  const base: Discovery = {
    prometheusUrl: client.url, at: new Date(end * 1000).toISOString(), lookback: lb,
    histogram: null, otherHistograms: [], labelNames: [], service: null, route: null, status: null, version: null, services: [], probeRoutes: [],
  };
  // Histograms measuring durations. An instant selector keeps __name__ (functions drop it); when
  // nothing is fresh at `end`, the series API looks over the whole lookback.
  const selector = '{__name__=~".+_(duration|latency)_(seconds|milliseconds)_count"}';
  let names = (await client.query(`count by (__name__) (${selector})`, end)).map((s) => s.metric.__name__ ?? '');
  if (!names.length) names = [...new Set((await client.series([selector], end - lookbackSeconds, end)).slice(0, MAX_SERIES).map((s) => s.__name__ ?? ''))];
  names = names.filter(Boolean).map((n) => n.replace(/_count$/, '')).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, 10);
  const ranked: Array<{ name: string; n: number }> = [];
  for (const name of names) {
    const r = await client.query(`sum(increase(${name}_count[${lb}]))`, end);
    ranked.push({ name, n: Number(r[0]?.value[1] ?? 0) || 0 });
  }
  // A well-known HTTP server histogram wins over a busier, unrelated one (e.g. a DB client's).
  ranked.sort((a, b) => (rank(a.name) < HISTOGRAM_PREFERENCE.length || rank(b.name) < HISTOGRAM_PREFERENCE.length ? rank(a.name) - rank(b.name) : 0) || b.n - a.n || a.name.localeCompare(b.name));
  if (!ranked.length) return base;
  const histogram = ranked[0]!.name;
  const labelNames = (await client.labels([`${histogram}_count`], end - lookbackSeconds, end)).filter((l) => l !== '__name__').sort();
  const service = pickLabel(SERVICE_LABELS, labelNames);
  const route = pickLabel(ROUTE_LABELS, labelNames);
  const out: Discovery = {
    ...base, histogram, otherHistograms: ranked.slice(1).map((h) => h.name), labelNames,
    service, route, status: pickLabel(STATUS_LABELS, labelNames), version: pickLabel(VERSION_LABELS, labelNames),
  };
  if (!service) return out;
  const by = route ? `${service}, ${route}` : service;
  const traffic = await client.query(`topk(${MAX_SERIES}, sum by (${by}) (increase(${histogram}_count[${lb}])))`, end);
  const perService = new Map<string, { routes: number; total: number }>();
  const probes = new Map<string, Set<string>>();
  for (const s of traffic) {
    const name = s.metric[service];
    const n = Number(s.value[1]);
    if (!name || !Number.isFinite(n) || n <= 0) continue;
    const r = route ? s.metric[route] ?? '' : '';
    if (route && PROBE_RE.test(r)) {
      if (!probes.has(r)) probes.set(r, new Set());
      probes.get(r)!.add(name);
      continue;
    }
    const e = perService.get(name) ?? { routes: 0, total: 0 };
    e.routes++;
    e.total += n;
    perService.set(name, e);
  }
  const days = lookbackSeconds / 86_400;
  out.services = [...perService].map(([name, e]) => ({ name, routes: e.routes, requestsPerDay: e.total / days }));
  out.probeRoutes = [...probes].map(([r, s]) => ({ route: r, services: s.size })).sort((a, b) => b.services - a.services || a.route.localeCompare(b.route));
  return out;
}
