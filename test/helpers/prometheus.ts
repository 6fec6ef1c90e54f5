/**
 * A real Prometheus for tests and benchmarks: the synthetic fleet is written as OpenMetrics
 * counters, backfilled with `promtool tsdb create-blocks-from openmetrics`, and served by the
 * Debian `prometheus` binary on a free port (no scraping). Built blocks are cached per spec.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeFleet, type FleetEndpoint, type FleetSpec } from '../../app/core/fleet/index.js';
import { fleetBackfillPieces, OTEL_METRIC_NAMING, type MetricNaming } from '../../app/core/fleet/exposition.js';
import { writeBackfill, writeOpenMetricsLines } from '../../app/cli/backfill.js';

const run = promisify(execFile);

/** Metric and label names of the backfill (app/core/fleet/exposition.ts writes it). */
export type Naming = MetricNaming;
export const OTEL_NAMING: Naming = OTEL_METRIC_NAMING;
export const CLASSIC_NAMING: Naming = { histogram: 'http_request_duration_seconds', service: 'service', route: 'route', status: 'code' };

export interface BackfillSpec {
  fleet: FleetSpec;
  /** Keep only these endpoints (default: the whole fleet). */
  filter?: (ep: FleetEndpoint) => boolean;
  naming?: Naming;
  /** Counter sample spacing; 1h keeps files small, and the adapter only asks for >= 1h increases. */
  sampleSeconds?: number;
}

/** The fleet's hourly cumulative counters as OpenMetrics, written by the same code as `demo-exporter --backfill`. */
export async function writeOpenMetrics(spec: BackfillSpec, file: string): Promise<{ endpoints: FleetEndpoint[] }> {
  const keep = spec.filter ?? (() => true);
  await writeBackfill(file, spec.fleet, { naming: spec.naming ?? OTEL_NAMING, keep, ...(spec.sampleSeconds ? { sampleSeconds: spec.sampleSeconds } : {}) });
  return { endpoints: describeFleet(spec.fleet).filter(keep) };
}

/** Build layout options: they change the blocks, not the samples. */
export interface BuildOptions {
  /**
   * Hours of samples per OpenMetrics piece, each converted by its own promtool run into one block:
   * 2, 6, 18, 54, 162 or 486 (promtool's block sizes). Default: the largest whose piece holds at most
   * MAX_LINES_PER_PIECE lines. 0 writes one file for the whole history, converted by one run (the
   * layout before pieces; promtool then holds the whole file in memory).
   */
  blockHours?: number;
}

/** promtool's block sizes (2 h x 3^k); a piece aligned to one of them becomes exactly one block. */
const BLOCK_HOURS = [2, 6, 18, 54, 162, 486];
/**
 * At most this many sample lines per piece (~180 bytes each: a ~2 GB file; promtool maps the file
 * and keeps its samples in memory, a little over 2 GB in all for 50 x 8 endpoints at 300 s).
 */
export const MAX_LINES_PER_PIECE = 10_000_000;
/** Series per endpoint: two status codes x (buckets + count + sum); a version change adds more for a while. */
const SERIES_PER_ENDPOINT = 2 * 17;

function cacheKey(spec: BackfillSpec, extra: string, blockHours: number): string {
  return createHash('sha256').update(JSON.stringify({ fleet: spec.fleet, naming: spec.naming ?? OTEL_NAMING, sample: spec.sampleSeconds ?? 3600, extra, blockHours, v: 6 })).digest('hex').slice(0, 16);
}

function pieceHours(spec: BackfillSpec, endpoints: number): number {
  const sample = spec.sampleSeconds ?? 3600;
  const fit = BLOCK_HOURS.filter((h) => endpoints * SERIES_PER_ENDPOINT * ((h * 3600) / sample) <= MAX_LINES_PER_PIECE);
  return fit.length ? fit[fit.length - 1]! : BLOCK_HOURS[0]!;
}

/**
 * Builds (or reuses) TSDB blocks for the spec. `cacheTag` must change when `filter` changes
 * (functions cannot be hashed). Returns the blocks directory.
 *
 * The history is written and converted in pieces of `blockHours` aligned to promtool's block grid,
 * so each piece is one block of its own time range (the blocks do not overlap) and memory stays
 * bounded whatever the fleet's size: each piece's file is deleted once converted. Counters run on
 * across pieces (app/core/fleet/exposition.ts fleetBackfillPieces).
 */
export async function buildBlocks(spec: BackfillSpec, cacheTag = 'all', options: BuildOptions = {}): Promise<string> {
  const keep = spec.filter ?? (() => true);
  const endpoints = describeFleet(spec.fleet).filter(keep).length;
  const hours = options.blockHours ?? pieceHours(spec, endpoints);
  if (hours !== 0 && !BLOCK_HOURS.includes(hours)) throw new Error(`blockHours must be 0 or one of ${BLOCK_HOURS.join(', ')}, not ${hours}`);
  const root = join(tmpdir(), 'slo-scout-prom-cache');
  const dir = join(root, cacheKey(spec, cacheTag, hours));
  if (existsSync(join(dir, 'done'))) return join(dir, 'blocks');
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, 'build-'));
  try {
    const convert = (file: string, maxBlock: string) => run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', `--max-block-duration=${maxBlock}`, '-q', file, join(work, 'blocks')], { maxBuffer: 64 * 1024 * 1024 });
    if (hours === 0) {
      const file = join(work, 'fleet.om');
      await writeOpenMetrics(spec, file);
      // The default 2h block duration makes promtool re-read the input once per block (336 passes
      // for 28 days); 768h gives its largest block, 486h: two or three passes.
      await convert(file, '768h');
      await rm(file);
    } else {
      const sample = spec.sampleSeconds ?? 3600;
      const step = hours * 3600;
      // Samples run from one sample before the first step (a new counter's zero) to the fleet's end.
      const first = spec.fleet.end - spec.fleet.days * 86_400 - 2 * sample;
      const bounds: number[] = [];
      for (let b = Math.floor(first / step) * step + step; b <= spec.fleet.end; b += step) bounds.push(b);
      const naming = spec.naming ?? OTEL_NAMING;
      let i = 0;
      // promtool converts one piece while the next is written (two cores busy, two files on disk).
      let converting: Promise<unknown> = Promise.resolve();
      for (const piece of fleetBackfillPieces(spec.fleet, bounds, naming, keep, sample)) {
        const file = join(work, `piece-${i++}.om`);
        const lines = await writeOpenMetricsLines(file, naming, piece);
        await converting;
        // promtool rejects a file without samples; a piece before the history's first sample has none.
        converting = (lines > 0 ? convert(file, `${hours}h`) : Promise.resolve()).then(() => rm(file));
        converting.catch(() => { /* awaited (and thrown) with the next piece or after the last */ });
      }
      await converting;
    }
    await writeFile(join(work, 'done'), '');
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
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
  /** CPU seconds (user + system) the Prometheus process has used so far (Linux /proc; NaN elsewhere): benchmarks' cost on its side. */
  cpuSeconds(): number;
}

/** Kernel clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function processCpuSeconds(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
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
    // No compaction of the (non-overlapping) blocks while a test or the benchmark runs: buildBlocks
    // writes one block per piece of time, which Prometheus would otherwise merge a minute after start.
    '--storage.tsdb.min-block-duration=2h',
    '--storage.tsdb.max-block-duration=2h',
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
      if (res.ok) return { url, stop, cpuSeconds: () => processCpuSeconds(proc.pid) };
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
