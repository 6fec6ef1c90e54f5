/**
 * The synthetic fleet as Prometheus histograms, for `slo-scout demo-exporter`: OpenMetrics with
 * timestamps to backfill the history (promtool tsdb create-blocks-from openmetrics), and the live
 * text exposition a scrape sees afterwards. Live counters continue from the backfill's last values
 * by replaying the fleet's own traffic of one week earlier (weekly seasonality kept), so
 * increase() over the seam shows no jump. Pure: the caller passes "now".
 */
import { describeFleet } from './scenarios.js';
import { fleetSteps } from './steps.js';
import { OTEL_HTTP_BUCKETS, DAY, DEFAULT_STEP_SECONDS, type FleetEndpoint, type FleetSpec } from './model.js';

export interface MetricNaming {
  histogram: string;
  service: string;
  route: string;
  status: string;
  version?: string;
}
export const OTEL_METRIC_NAMING: MetricNaming = { histogram: 'http_server_request_duration_seconds', service: 'service_name', route: 'http_route', status: 'http_response_status_code', version: 'service_version' };

const LE = [...OTEL_HTTP_BUCKETS.map(String), '+Inf'];
const WEEK = 7 * DAY;
const upper = (i: number) => (i < OTEL_HTTP_BUCKETS.length ? OTEL_HTTP_BUCKETS[i]! : 15);

interface Totals { buckets: number[]; count: number; sum: number }
/** `prefixes`: each sample line up to its value, built once per series (a backfill has millions of lines). */
interface Series { labelText: string; prefixes: string[]; version: string; totals: Totals }
/** One endpoint's live state: its series, and per step of the last week the increments to replay. */
interface EndpointLive { series: Map<string, Series>; liveVersion: string; week: Array<{ ok: Totals; bad: Totals }> }

export interface FleetExposition {
  /** Last sample time of the history (an hour boundary). */
  end: number;
  stepSeconds: number;
  naming: MetricNaming;
  endpoints: EndpointLive[];
}

const zero = (): Totals => ({ buckets: new Array<number>(LE.length).fill(0), count: 0, sum: 0 });
const esc = (v: string) => JSON.stringify(v);

/** Splits one step's requests into OK and error histograms (errors take the slowest buckets: timeouts are slow). */
function split(bucketCounts: number[], errors: number): { ok: Totals; bad: Totals } {
  const ok = zero();
  const bad = zero();
  const counts = [...bucketCounts];
  for (let i = counts.length - 1; i >= 0 && errors > 0; i--) {
    const take = Math.min(errors, counts[i]!);
    counts[i] -= take;
    bad.buckets[i] += take;
    bad.count += take;
    bad.sum += take * upper(i);
    errors -= take;
  }
  for (let i = 0; i < counts.length; i++) {
    ok.buckets[i] += counts[i]!;
    ok.count += counts[i]!;
    ok.sum += counts[i]! * upper(i) * 0.6;
  }
  return { ok, bad };
}

function add(into: Totals, x: Totals, f = 1): void {
  for (let i = 0; i < LE.length; i++) into.buckets[i] += x.buckets[i]! * f;
  into.count += x.count * f;
  into.sum += x.sum * f;
}

function linePrefixes(n: MetricNaming, labelText: string): string[] {
  return [...LE.map((le) => `${n.histogram}_bucket{${labelText},le="${le}"} `), `${n.histogram}_count{${labelText}} `, `${n.histogram}_sum{${labelText}} `];
}

function lines(prefixes: string[], t: Totals, suffix: string): string[] {
  const out: string[] = [];
  let cum = 0;
  for (let i = 0; i < LE.length; i++) {
    cum += t.buckets[i]!;
    out.push(`${prefixes[i]}${Math.round(cum)}${suffix}`);
  }
  out.push(`${prefixes[LE.length]}${Math.round(t.count)}${suffix}`, `${prefixes[LE.length + 1]}${t.sum.toFixed(3)}${suffix}`);
  return out;
}

/** The state live scrapes are served from. */
export function buildFleetExposition(spec: FleetSpec, naming: MetricNaming = OTEL_METRIC_NAMING): FleetExposition {
  const endpoints = [...walk(spec, naming, false)].map((w) => w.live);
  return { end: spec.end, stepSeconds: spec.stepSeconds ?? DEFAULT_STEP_SECONDS, naming, endpoints };
}

/**
 * The history as OpenMetrics lines, one endpoint at a time (a caller can wait for its writer
 * between them): hourly samples by default (`sampleSeconds`), each series contiguous as promtool requires. `keep` picks
 * endpoints (the test Prometheus serves subsets of the fleet).
 */
export function* fleetBackfillLines(spec: FleetSpec, naming: MetricNaming = OTEL_METRIC_NAMING, keep: (ep: FleetEndpoint) => boolean = () => true, sampleSeconds = 3600): Generator<string[]> {
  for (const w of walk(spec, naming, true, keep, sampleSeconds)) yield w.lines;
}

function* walk(spec: FleetSpec, naming: MetricNaming, wantLines: boolean, keep: (ep: FleetEndpoint) => boolean = () => true, sampleSeconds = 3600): Generator<{ live: EndpointLive; lines: string[] }> {
  const sample = sampleSeconds;
  for (const ep of describeFleet(spec)) {
    if (!keep(ep)) continue;
    const live: EndpointLive = { series: new Map(), liveVersion: '', week: [] };
    const pending = new Map<string, string[]>();
    const get = (status: string, version: string, t: number): Series => {
      const key = naming.version ? `${status}|${version}` : status;
      let s = live.series.get(key);
      if (!s) {
        const labels = [`${naming.service}=${esc(ep.service)}`, `${naming.route}=${esc(ep.endpoint)}`, `${naming.status}=${esc(status)}`];
        if (naming.version) labels.push(`${naming.version}=${esc(version)}`);
        const labelText = labels.join(',');
        s = { labelText, prefixes: linePrefixes(naming, labelText), version, totals: zero() };
        live.series.set(key, s);
        // A fresh counter starts at 0, so increase() sees its first requests.
        pending.set(key, wantLines ? lines(s.prefixes, s.totals, ` ${t - sample}`) : []);
      }
      return s;
    };
    let hourEnd = -1;
    // A real exporter exposes every series of the running version on every scrape.
    const flush = () => {
      if (hourEnd < 0 || !wantLines) return;
      for (const [key, s] of live.series) if (!naming.version || s.version === live.liveVersion) pending.get(key)!.push(...lines(s.prefixes, s.totals, ` ${hourEnd}`));
    };
    const weekStart = spec.end - WEEK;
    for (const st of fleetSteps(spec, ep)) {
      const end = Math.floor(st.t / sample) * sample + sample;
      if (end !== hourEnd) {
        flush();
        hourEnd = end;
      }
      live.liveVersion = st.version;
      const { ok, bad } = split(st.bucketCounts, st.errors);
      add(get('200', st.version, end).totals, ok);
      if (bad.count > 0) add(get('500', st.version, end).totals, bad);
      if (st.t >= weekStart) live.week.push({ ok, bad });
    }
    flush();
    yield { live, lines: [...pending.values()].flat() };
  }
}

export function openMetricsHeader(n: MetricNaming = OTEL_METRIC_NAMING): string[] {
  return [`# HELP ${n.histogram} HTTP server request duration (SLO-Scout synthetic fleet).`, `# TYPE ${n.histogram} histogram`, `# UNIT ${n.histogram} seconds`];
}

/**
 * Text exposition at `now`: the history's totals plus the replayed week's traffic for the time
 * since `end` (the part of a step already elapsed counts pro rata). Before `end` it shows the totals.
 */
export function liveExposition(fx: FleetExposition, now: number): string {
  const n = fx.naming;
  const out = [`# HELP ${n.histogram} HTTP server request duration (SLO-Scout synthetic fleet, live replay).`, `# TYPE ${n.histogram} histogram`];
  const elapsed = Math.max(0, now - fx.end);
  for (const ep of fx.endpoints) {
    const len = ep.week.length;
    const whole = Math.floor(elapsed / fx.stepSeconds);
    const frac = elapsed / fx.stepSeconds - whole;
    const okExtra = zero();
    const badExtra = zero();
    if (len > 0) {
      // Whole weeks repeat the same week; the remainder and the partial step are added on top.
      const weeks = Math.floor(whole / len);
      const rest = whole % len;
      for (let i = 0; i < len; i++) {
        const times = weeks + (i < rest ? 1 : 0) + (i === rest ? frac : 0);
        if (times > 0) {
          add(okExtra, ep.week[i]!.ok, times);
          add(badExtra, ep.week[i]!.bad, times);
        }
      }
    }
    for (const s of ep.series.values()) {
      if (n.version && s.version !== ep.liveVersion) continue;
      const t: Totals = { buckets: [...s.totals.buckets], count: s.totals.count, sum: s.totals.sum };
      const status = s.labelText.includes(`${n.status}="500"`) ? '500' : '200';
      add(t, status === '500' ? badExtra : okExtra);
      out.push(...lines(s.prefixes, t, ''));
    }
  }
  return `${out.join('\n')}\n`;
}
