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
import { OTEL_METRIC_NAMING, type MetricNaming } from '../../app/core/fleet/exposition.js';
import { writeBackfill } from '../../app/cli/backfill.js';

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

function cacheKey(spec: BackfillSpec, extra: string): string {
  return createHash('sha256').update(JSON.stringify({ fleet: spec.fleet, naming: spec.naming ?? OTEL_NAMING, sample: spec.sampleSeconds ?? 3600, extra, v: 5 })).digest('hex').slice(0, 16);
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
