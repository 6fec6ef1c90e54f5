/**
 * A real Prometheus for tests and benchmarks: the synthetic fleet is written as OpenMetrics
 * counters, backfilled with `promtool tsdb create-blocks-from openmetrics`, and served by the
 * Debian `prometheus` binary on a free port (no scraping). Built blocks are cached per spec.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeFleet, fleetSteps, OTEL_HTTP_BUCKETS, type FleetEndpoint, type FleetSpec } from '../../app/core/fleet/index.js';

const run = promisify(execFile);

export interface Naming {
  histogram: string;
  service: string;
  route: string;
  status: string;
  /** Label carrying the deployed version (a new series per version, as exporters do). */
  version?: string;
}
export const OTEL_NAMING: Naming = { histogram: 'http_server_request_duration_seconds', service: 'service_name', route: 'http_route', status: 'http_response_status_code', version: 'service_version' };
export const CLASSIC_NAMING: Naming = { histogram: 'http_request_duration_seconds', service: 'service', route: 'route', status: 'code' };

export interface BackfillSpec {
  fleet: FleetSpec;
  /** Keep only these endpoints (default: the whole fleet). */
  filter?: (ep: FleetEndpoint) => boolean;
  naming?: Naming;
  /** Counter sample spacing; 1h keeps files small, and the adapter only asks for >= 1h increases. */
  sampleSeconds?: number;
}

const LE = [...OTEL_HTTP_BUCKETS.map(String), '+Inf'];

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
}

/**
 * Streams one endpoint as cumulative counters (`_bucket{le}`, `_count`, `_sum`) per status code
 * (and version). Each series starts with a 0 sample, like a freshly created counter, so
 * `increase()` sees its first requests. Errors take the slowest buckets (timeouts are slow).
 */
function* endpointLines(spec: BackfillSpec, ep: FleetEndpoint): Generator<string> {
  const n = spec.naming ?? OTEL_NAMING;
  const sample = spec.sampleSeconds ?? 3600;
  type Series = { labels: Record<string, string>; prefixes: string[]; buckets: number[]; count: number; sum: number; lines: string[] };
  const series = new Map<string, Series>();
  const get = (status: string, version: string, t: number): Series => {
    // Without a version label every version writes the same series.
    const key = n.version ? `${status}|${version}` : status;
    let s = series.get(key);
    if (!s) {
      const labels: Record<string, string> = { [n.service]: ep.service, [n.route]: ep.endpoint, [n.status]: status };
      if (n.version) labels[n.version] = version;
      const base = labelText(labels);
      // Label text is built once per series: the file has millions of lines for the benchmark fleet.
      const prefixes = [...LE.map((le) => `${n.histogram}_bucket{${base},le="${le}"} `), `${n.histogram}_count{${base}} `, `${n.histogram}_sum{${base}} `];
      s = { labels, prefixes, buckets: new Array<number>(LE.length).fill(0), count: 0, sum: 0, lines: [] };
      series.set(key, s);
      emit(s, t - sample);
    }
    return s;
  };
  const emit = (s: Series, t: number): void => {
    let cum = 0;
    for (let i = 0; i < LE.length; i++) {
      cum += s.buckets[i]!;
      s.lines.push(`${s.prefixes[i]}${cum} ${t}`);
    }
    s.lines.push(`${s.prefixes[LE.length]}${s.count} ${t}`);
    s.lines.push(`${s.prefixes[LE.length + 1]}${s.sum.toFixed(3)} ${t}`);
  };
  let hourEnd = -1;
  let liveVersion = '';
  // A real exporter exposes every counter it has on every scrape: emit all series of the live
  // version each hour, whether or not they moved (sparse samples would break increase()).
  const flush = (): void => {
    if (hourEnd < 0) return;
    for (const s of series.values()) if (!n.version || s.labels[n.version] === liveVersion) emit(s, hourEnd);
  };
  for (const step of fleetSteps(spec.fleet, ep)) {
    const end = Math.floor(step.t / sample) * sample + sample;
    if (end !== hourEnd) {
      flush();
      hourEnd = end;
    }
    liveVersion = step.version;
    const ok = get('200', step.version, end);
    let errors = step.errors;
    const counts = [...step.bucketCounts];
    if (errors > 0) {
      const bad = get('500', step.version, end);
      bad.count += errors;
      for (let i = counts.length - 1; i >= 0 && errors > 0; i--) {
        const take = Math.min(errors, counts[i]!);
        counts[i] -= take;
        bad.buckets[i] += take;
        bad.sum += take * Number(i < OTEL_HTTP_BUCKETS.length ? OTEL_HTTP_BUCKETS[i] : 15);
        errors -= take;
      }
    }
    for (let i = 0; i < counts.length; i++) {
      ok.buckets[i] += counts[i]!;
      ok.sum += counts[i]! * (i < OTEL_HTTP_BUCKETS.length ? OTEL_HTTP_BUCKETS[i]! : 15) * 0.6;
    }
    ok.count += counts.reduce((a, b) => a + b, 0);
  }
  flush();
  // Series of one family may come in any order, but each series' samples must be contiguous and ascending.
  for (const s of series.values()) yield* s.lines;
}

export async function writeOpenMetrics(spec: BackfillSpec, file: string): Promise<{ endpoints: FleetEndpoint[] }> {
  const n = spec.naming ?? OTEL_NAMING;
  const endpoints = describeFleet(spec.fleet).filter(spec.filter ?? (() => true));
  const out = createWriteStream(file);
  const write = (line: string): Promise<void> | void => {
    if (!out.write(`${line}\n`)) return new Promise((resolve) => out.once('drain', resolve));
  };
  await write(`# HELP ${n.histogram} HTTP server request duration (synthetic fleet).`);
  await write(`# TYPE ${n.histogram} histogram`);
  await write(`# UNIT ${n.histogram} seconds`);
  for (const ep of endpoints) {
    let batch: string[] = [];
    for (const line of endpointLines(spec, ep)) {
      batch.push(line);
      if (batch.length >= 5000) {
        await write(batch.join('\n'));
        batch = [];
      }
    }
    if (batch.length > 0) await write(batch.join('\n'));
  }
  await write('# EOF');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { endpoints };
}

function cacheKey(spec: BackfillSpec, extra: string): string {
  return createHash('sha256').update(JSON.stringify({ fleet: spec.fleet, naming: spec.naming ?? OTEL_NAMING, sample: spec.sampleSeconds ?? 3600, extra, v: 4 })).digest('hex').slice(0, 16);
}

/**
 * Builds (or reuses) TSDB blocks for the spec. `cacheTag` must change when `filter` changes
 * (functions cannot be hashed). Returns the blocks directory.
 */
export async function buildBlocks(spec: BackfillSpec, cacheTag = 'all'): Promise<string> {
  const root = join(tmpdir(), 'slo-scout-prom-cache');
  const dir = join(root, cacheKey(spec, cacheTag));
  if (existsSync(join(dir, 'done'))) return join(dir, 'blocks');
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, 'build-'));
  const file = join(work, 'fleet.om');
  await writeOpenMetrics(spec, file);
  // The default 2h block duration makes promtool re-read the input once per block (336 passes
  // for 28 days); one block per 32 days takes a single pass.
  await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=768h', '-q', file, join(work, 'blocks')], { maxBuffer: 64 * 1024 * 1024 });
  await rm(file);
  await writeFile(join(work, 'done'), '');
  try {
    await rename(work, dir);
  } catch {
    await rm(work, { recursive: true, force: true }); // another worker built it first
  }
  return join(dir, 'blocks');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus on a private copy of the blocks (Prometheus compacts and locks its data dir).
 * Several blocks directories (other series of the same time range) are served together; `port`
 * lets a test replace a Prometheus by another with new data at the same URL.
 */
export async function startPrometheus(blocksDir: string | string[], options: { port?: number } = {}): Promise<RunningPrometheus> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slo-scout-prom-'));
  for (const dir of Array.isArray(blocksDir) ? blocksDir : [blocksDir]) await cp(dir, join(dataDir, 'data'), { recursive: true });
  const config = join(dataDir, 'prometheus.yml');
  await writeFile(config, 'global:\n  evaluation_interval: 1h\nscrape_configs: []\n');
  const port = options.port ?? await freePort();
  const proc: ChildProcess = spawn('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dataDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Blocks are in the past: keep them whatever their age.
    '--storage.tsdb.retention.time=10y',
    // Samples are hourly; instant selectors need to look back that far to see the last one.
    '--query.lookback-delta=1h',
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`prometheus did not become ready within 30s: ${stderr}`);
}

/** The analysis moment of the shared test fleet (a Sunday midnight UTC). */
export const TEST_END = Date.UTC(2026, 10, 1) / 1000;
/** A demo-fleet subset with every messy case: incident + harmless deploy (checkout), regressing deploy
 *  (payments), a two-day gap (catalog), a new endpoint (search), low traffic (legacy-reports), health checks. */
export const TEST_SERVICES = ['checkout', 'payments', 'catalog', 'search', 'legacy-reports'];
export const TEST_FLEET: FleetSpec = { seed: 7, end: TEST_END, days: 29, scenario: 'demo' };

export async function testFleetBlocks(naming: Naming = OTEL_NAMING, services = TEST_SERVICES): Promise<string> {
  return buildBlocks({ fleet: TEST_FLEET, naming, filter: (e) => services.includes(e.service) }, services.join(','));
}
