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

/**
 * The same history cut in pieces of time, so that each piece can be backfilled on its own (promtool
 * holds its whole input in memory): piece 0 has the samples before `bounds[0]`, piece i those in
 * [bounds[i-1], bounds[i]), the last those from the last bound on. Yields one generator per piece,
 * in order, of that piece's lines endpoint by endpoint; read each piece before asking for the next.
 * Every endpoint's counters run on across the pieces (one walk of its steps, paused between pieces):
 * the concatenated pieces are the samples `fleetBackfillLines` writes.
 */
export function* fleetBackfillPieces(spec: FleetSpec, bounds: readonly number[], naming: MetricNaming = OTEL_METRIC_NAMING, keep: (ep: FleetEndpoint) => boolean = () => true, sampleSeconds = 3600): Generator<Generator<string[]>> {
  const endpoints = describeFleet(spec).filter(keep).map((ep) => endpointHistory(spec, naming, ep, { lines: true, week: false, sample: sampleSeconds, bounds }));
  for (let p = 0; p <= bounds.length; p++) {
    const piece = (function* () {
      for (const ep of endpoints) {
        const next = ep.next();
        if (!next.done && next.value.length) yield next.value;
      }
    })();
    yield piece;
    for (const _ of piece) { /* whatever the caller left unread, so the endpoints stay in step */ }
  }
}

function* walk(spec: FleetSpec, naming: MetricNaming, wantLines: boolean, keep: (ep: FleetEndpoint) => boolean = () => true, sampleSeconds = 3600): Generator<{ live: EndpointLive; lines: string[] }> {
  for (const ep of describeFleet(spec)) {
    if (!keep(ep)) continue;
    // One piece (no bounds): the first yield is the whole history, the return value the live state.
    const history = endpointHistory(spec, naming, ep, { lines: wantLines, week: !wantLines, sample: sampleSeconds, bounds: [] });
    const first = history.next();
    let rest = history.next();
    while (!rest.done) rest = history.next();
    yield { live: rest.value, lines: first.done ? [] : first.value };
  }
}

/**
 * One endpoint's samples, yielded once per piece of time (see fleetBackfillPieces; `bounds.length + 1`
 * yields), then its live state as the return value. A piece is yielded once no later step can add to
 * it: a series that appears gets its zero sample one sample before its first, possibly in the
 * previous piece.
 */
function* endpointHistory(spec: FleetSpec, naming: MetricNaming, ep: FleetEndpoint, o: { lines: boolean; week: boolean; sample: number; bounds: readonly number[] }): Generator<string[], EndpointLive> {
  const { sample, bounds } = o;
  const live: EndpointLive = { series: new Map(), liveVersion: '', week: [] };
  const pieceOf = (t: number) => {
    let p = 0;
    while (p < bounds.length && bounds[p]! <= t) p++;
    return p;
  };
  // Lines per piece not yet yielded (at most two at once), per series in order of first line.
  const open = new Map<number, Map<string, string[]>>();
  const push = (t: number, key: string, text: string[]) => {
    const p = pieceOf(t);
    let piece = open.get(p);
    if (!piece) open.set(p, (piece = new Map()));
    const list = piece.get(key);
    if (list) list.push(...text);
    else piece.set(key, text);
  };
  const take = (p: number): string[] => {
    const piece = open.get(p);
    open.delete(p);
    return piece ? [...piece.values()].flat() : [];
  };
  let yielded = 0;
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
      if (o.lines) push(t - sample, key, lines(s.prefixes, s.totals, ` ${t - sample}`));
    }
    return s;
  };
  let hourEnd = -1;
  // A real exporter exposes every series of the running version on every scrape.
  const flush = () => {
    if (hourEnd < 0 || !o.lines) return;
    for (const [key, s] of live.series) if (!naming.version || s.version === live.liveVersion) push(hourEnd, key, lines(s.prefixes, s.totals, ` ${hourEnd}`));
  };
  const weekStart = spec.end - WEEK;
  for (const st of fleetSteps(spec, ep)) {
    const end = Math.floor(st.t / sample) * sample + sample;
    if (end !== hourEnd) {
      flush();
      hourEnd = end;
      // Nothing from here on goes before end - sample (a new series' zero): earlier pieces are complete.
      while (yielded < pieceOf(end - sample)) yield take(yielded++);
    }
    live.liveVersion = st.version;
    const { ok, bad } = split(st.bucketCounts, st.errors);
    add(get('200', st.version, end).totals, ok);
    if (bad.count > 0) add(get('500', st.version, end).totals, bad);
    if (o.week && st.t >= weekStart) live.week.push({ ok, bad });
  }
  flush();
  while (yielded <= bounds.length) yield take(yielded++);
  return live;
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
