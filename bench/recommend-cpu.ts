/**
 * recommend's own CPU, old code against new in one process (issue 11 §7): the `app/` tree of a git
 * ref (default `main`) is extracted to a temporary directory and imported beside this checkout's,
 * then both run alternately on the same fleets, so both see the same machine noise. Before timing,
 * the whole RecommendResult of each is compared as JSON (predictive pmfs included): a speed-up that
 * changes one number fails here. Prints medians of the CPU time of each call (process CPU, the
 * collector's helper threads included: robust to a loaded machine's queue for a core) and of its wall time.
 *
 * Fleets (28 daily windows as of the bench's end, 2000 draws, seed 1, the options bench/analyze.ts
 * passes): 'uniform' 50 x 8 without hourly series (what `analyze` fetches for it); 'queued' 4
 * uniform + 4 queued (growing, queue-shaped latency) services x 8 with hourly series for every
 * service; 'demo' (regime change, gaps, new endpoint, incidents).
 *
 *   npx tsx bench/recommend-cpu.ts [runs=7] [ref=main] [fleets=uniform,queued,demo]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DAY, fleetHistories } from '../app/core/fleet/index.js';
import type { FleetSpec } from '../app/core/fleet/model.js';
import { recommend } from '../app/core/recommend/index.js';
import type { EndpointHistory } from '../app/core/types.js';
import { median } from './lib.js';

const runs = Number(process.argv[2] ?? 7);
const ref = process.argv[3] ?? 'main';
const wanted = (process.argv[4] ?? 'uniform,queued,demo').split(',');
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a whole number >= 1, not "${process.argv[2]}"`);
if (!/^[\w./-]+$/.test(ref)) throw new Error(`ref "${ref}" is not a plain git ref (letters, digits, . / - _)`);

const repo = resolve(import.meta.dirname, '..');
const sha = execFileSync('git', ['-C', repo, 'rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
const dir = mkdtempSync(join(tmpdir(), 'slo-scout-recommend-cpu-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
execFileSync('sh', ['-c', `git -C "${repo}" archive "${sha}" app | tar -x -C "${dir}"`]);
symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
const old = (await import(pathToFileURL(join(dir, 'app/core/recommend/index.ts')).href)) as { recommend: typeof recommend };

const end = Date.UTC(2026, 10, 1) / 1000;
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1 };
const fleets: Record<string, () => EndpointHistory[]> = {
  uniform: () => fleetHistories({ seed: 1, scenario: 'uniform', services: 50, endpointsPerService: 8, stepSeconds: 3600, end, days: 29 }, { breachWindowSeconds: DAY }),
  queued: () => fleetHistories({ seed: 1, scenario: 'uniform', services: 4, endpointsPerService: 8, queuedServices: 4, stepSeconds: 3600, end, days: 29 } satisfies FleetSpec, { breachWindowSeconds: DAY, hourly: true }),
  demo: () => fleetHistories({ seed: 1, scenario: 'demo', stepSeconds: 300, end, days: 29 }, { breachWindowSeconds: DAY, hourly: true }),
};

console.log(`old: ${ref} (${sha.slice(0, 10)}), new: this checkout; ${runs} runs each, alternating; medians`);
for (const name of wanted) {
  const make = fleets[name];
  if (!make) throw new Error(`unknown fleet "${name}" (uniform, queued, demo)`);
  const histories = make();
  const a = JSON.stringify(old.recommend(histories, options));
  const b = JSON.stringify(recommend(histories, options));
  if (a !== b) {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    throw new Error(`${name}: the new RecommendResult differs from ${ref}'s at character ${i}:\n  old …${a.slice(Math.max(0, i - 120), i + 80)}\n  new …${b.slice(Math.max(0, i - 120), i + 80)}`);
  }
  // CPU seconds of the process (this thread and V8's helper threads: the collector's work counts) and
  // wall seconds; on shared, loaded cores the wall time mostly measures the queue for a core.
  const cpu = { old: [] as number[], new: [] as number[] };
  const wall = { old: [] as number[], new: [] as number[] };
  const ratios: number[] = [];
  for (let r = 0; r < runs; r++) {
    // Alternate which goes first, so neither always runs right after the collector cleaned up the other's garbage.
    const order = r % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const);
    for (const which of order) {
      // Fresh objects each run, as each analysis gets: nothing either version might keep per window carries over.
      const hs = structuredClone(histories);
      const c = process.cpuUsage();
      const s = performance.now();
      (which === 'old' ? old.recommend : recommend)(hs, options);
      wall[which].push((performance.now() - s) / 1000);
      const d = process.cpuUsage(c);
      cpu[which].push((d.user + d.system) / 1e6);
    }
    ratios.push(cpu.new[r]! / cpu.old[r]!);
  }
  const m = (xs: number[]) => median(xs).toFixed(3);
  console.log(`${name.padEnd(8)} ${String(histories.length).padStart(4)} endpoints, JSON identical (${(a.length / 1e6).toFixed(1)} MB): ` +
    `CPU old ${m(cpu.old)} s, new ${m(cpu.new)} s, new/old ${(median(cpu.new) / median(cpu.old)).toFixed(3)} (median of per-run ratios ${median(ratios).toFixed(3)}); ` +
    `wall old ${m(wall.old)} s, new ${m(wall.new)} s, new/old ${(median(wall.new) / median(wall.old)).toFixed(3)}`);
}
