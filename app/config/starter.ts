/**
 * The starter `.slo-scout.yml` that `slo-scout init` and the onboarding PR propose: built from
 * what was discovered in Prometheus (app/telemetry/prometheus/discover.ts), with a comment above
 * each choice saying what it was chosen from. Pure; the result always parses (tests check it).
 */
import { Document, isMap, isPair, isScalar } from 'yaml';

export interface Discovery {
  prometheusUrl: string;
  /** When the discovery looked (RFC 3339), and over which range. */
  at: string;
  lookback: string;
  histogram: string | null;
  /** Other request-duration histograms seen, most traffic first. */
  otherHistograms: string[];
  labelNames: string[];
  service: string | null;
  route: string | null;
  status: string | null;
  version: string | null;
  services: Array<{ name: string; routes: number; requestsPerDay: number }>;
  /** Routes that look like probes (health, metrics), with how many services have them. */
  probeRoutes: Array<{ route: string; services: number }>;
}

export const SERVICE_LABELS = ['service_name', 'service', 'app', 'application', 'job'];
export const ROUTE_LABELS = ['http_route', 'route', 'handler', 'path', 'uri', 'endpoint'];
export const STATUS_LABELS = ['http_response_status_code', 'code', 'status_code', 'status', 'http_status_code'];
export const VERSION_LABELS = ['service_version', 'version', 'app_version'];
export const HISTOGRAM_PREFERENCE = ['http_server_request_duration_seconds', 'http_request_duration_seconds', 'http_server_duration_seconds', 'http_server_duration_milliseconds'];

/** The first candidate present among the label names. */
export function pickLabel(candidates: string[], labelNames: string[]): string | null {
  return candidates.find((c) => labelNames.includes(c)) ?? null;
}

const MAX_LISTED_SERVICES = 200;
const fmtRate = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));
const others = (names: string[], chosen: string | null, pool: string[]) => names.filter((n) => n !== chosen && pool.includes(n));

export function renderStarterConfig(d: Discovery): string {
  const doc = new Document({}) as Document.Parsed;
  const note = (path: string[], text: string) => {
    // The comment goes above the key (the pair's key node), so it reads as the reason for that line.
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
    if (isMap(parent)) {
      const name = path[path.length - 1];
      const pair = parent.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === name);
      // Keys added to an existing map are plain strings: make them nodes that can carry a comment.
      if (pair && !isScalar(pair.key)) pair.key = doc.createNode(pair.key);
      if (pair && isScalar(pair.key)) pair.key.commentBefore = ` ${text.split('\n').join('\n ')}`;
    }
  };
  doc.set('version', 1);
  doc.setIn(['datasources', 'prometheus', 'url'], d.prometheusUrl);
  note(['datasources', 'prometheus', 'url'], 'Where `slo-scout init` found the data; the GitHub App (or the `slo-scout pr` CI job) must reach it too.\nPrivate Prometheus? add `auth: { bearerToken: { env: PROM_TOKEN } }` (secrets are env references, never inline).');
  if (d.histogram) {
    doc.setIn(['metrics', 'histogram'], d.histogram);
    note(['metrics', 'histogram'], d.otherHistograms.length
      ? `The request-duration histogram with the most traffic; also seen: ${d.otherHistograms.slice(0, 5).join(', ')}.`
      : 'The only request-duration histogram found.');
    const labelNote = (what: string, chosen: string | null, pool: string[], missing: string) => (chosen
      ? `\`${chosen}\` is on ${d.histogram}'s series${others(d.labelNames, chosen, pool).length ? `; other candidates there: ${others(d.labelNames, chosen, pool).join(', ')}` : ''}.`
      : `No ${what} label found (looked for ${pool.join(', ')}); ${missing}`);
    if (d.service) doc.setIn(['metrics', 'labels', 'service'], d.service);
    if (d.route !== undefined) doc.setIn(['metrics', 'labels', 'route'], d.route);
    if (d.status) doc.setIn(['metrics', 'labels', 'status'], d.status);
    if (doc.hasIn(['metrics', 'labels'])) {
      note(['metrics', 'labels'], `Label names on ${d.histogram}: ${d.labelNames.filter((l) => l !== 'le' && l !== '__name__').join(', ') || '(none)'}.`);
      if (d.service) note(['metrics', 'labels', 'service'], labelNote('service', d.service, SERVICE_LABELS, 'set service to the label naming the service.'));
      note(['metrics', 'labels', 'route'], labelNote('route', d.route, ROUTE_LABELS, 'route: null makes one whole-service SLI per service.'));
      if (d.status) note(['metrics', 'labels', 'status'], labelNote('status', d.status, STATUS_LABELS, 'set status to the label with the HTTP status code.'));
    }
    if (d.version) {
      doc.setIn(['metrics', 'versionLabel'], d.version);
      note(['metrics', 'versionLabel'], `\`${d.version}\` changes on deploys: it lets proposals and the simulator tell versions apart.`);
    }
  }
  if (d.services.length) {
    const listed = [...d.services].sort((a, b) => b.requestsPerDay - a.requestsPerDay || a.name.localeCompare(b.name)).slice(0, MAX_LISTED_SERVICES);
    doc.setIn(['services', 'include'], listed.map((s) => s.name));
    const seq = doc.getIn(['services', 'include'], true) as { items: Array<{ comment?: string }> };
    listed.forEach((s, i) => { seq.items[i]!.comment = ` ${s.routes} route${s.routes === 1 ? '' : 's'}, ~${fmtRate(s.requestsPerDay)} requests/day`; });
    note(['services'], `${d.services.length} service${d.services.length === 1 ? '' : 's'} served requests over the last ${d.lookback}${d.services.length > MAX_LISTED_SERVICES ? ` (the ${MAX_LISTED_SERVICES} busiest are listed)` : ''}.\nEach gets its own pull request; remove the ones you do not want SLOs for (globs work: "payments-*").`);
  }
  if (d.probeRoutes.length) {
    doc.setIn(['routes', 'exclude'], ['**/health*', '**/healthz', '**/livez', '**/readyz', '**/ready', '**/ping', '**/metrics', '**/status', ...d.probeRoutes.map((p) => p.route).filter((r) => !/health|livez|readyz|ready$|ping$|metrics$|status$/.test(r))]);
    note(['routes'], `Probes are not user traffic. Found: ${d.probeRoutes.slice(0, 8).map((p) => `${p.route} (${p.services} service${p.services === 1 ? '' : 's'})`).join(', ')}.`);
  }
  doc.setIn(['analysis', 'window'], '28d');
  doc.setIn(['analysis', 'breachWindow'], '1d');
  note(['analysis'], 'Four weeks of history, judged day by day: set window to what your Prometheus keeps (its --storage.tsdb.retention.time).');
  doc.setIn(['output', 'format'], 'openslo');
  doc.setIn(['output', 'path'], 'slo-proposals');
  note(['output'], 'OpenSLO v1 files (or sloth, prometheus-rule-crd) plus Prometheus rules and a Grafana dashboard per service, under this directory.');
  doc.commentBefore = [
    ' yaml-language-server: $schema=https://raw.githubusercontent.com/slo-scout/slo-scout/main/schemas/slo-scout-config.schema.json',
    ` .slo-scout.yml written by \`slo-scout init\` from what ${d.prometheusUrl} reported (${d.at}, last ${d.lookback}).`,
    ' Every value is a guess from your telemetry, explained above it. Fix what is wrong, then:',
    '   slo-scout validate .slo-scout.yml && slo-scout analyze',
    ...(d.histogram ? [] : [' No request-duration histogram was found: set metrics.histogram (without _bucket) and metrics.labels by hand.']),
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
