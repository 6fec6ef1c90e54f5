/**
 * recommend's output against a git ref's (default `main`), byte for byte, on more fleets, seeds and
 * options than bench/recommend-cpu.ts times: demo, uniform, families and queued fleets (hourly series
 * on and off), seeds 1-3, and non-default levels, draws, periods and window lengths. For a change
 * meant to make recommend faster without moving a number; prints each case and fails on the first difference.
 *
 *   npx tsx bench/recommend-identity.ts [ref=main]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DAY, fleetHistories } from '../app/core/fleet/index.js';
import type { FleetSpec } from '../app/core/fleet/model.js';
import { recommend, type RecommendOptions } from '../app/core/recommend/index.js';

const ref = process.argv[2] ?? 'main';
if (!/^[\w./-]+$/.test(ref)) throw new Error(`ref "${ref}" is not a plain git ref (letters, digits, . / - _)`);
const repo = resolve(import.meta.dirname, '..');
const sha = execFileSync('git', ['-C', repo, 'rev-parse', '--verify', `${ref}^{commit}`], { encoding: 'utf8' }).trim();
const dir = mkdtempSync(join(tmpdir(), 'slo-scout-recommend-identity-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
execFileSync('sh', ['-c', `git -C "${repo}" archive "${sha}" app | tar -x -C "${dir}"`]);
symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
const old = (await import(pathToFileURL(join(dir, 'app/core/recommend/index.ts')).href)) as { recommend: typeof recommend };

const end = Date.UTC(2026, 10, 1) / 1000;
const base = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY };
const cases: Array<{ name: string; spec: Omit<FleetSpec, 'end' | 'days'>; hourly: boolean; options: RecommendOptions }> = [];
for (const seed of [1, 2, 3]) {
  cases.push({ name: `demo seed ${seed}`, spec: { seed, scenario: 'demo', stepSeconds: 300 }, hourly: true, options: { ...base, seed } });
  cases.push({ name: `uniform 6x4 seed ${seed}`, spec: { seed, scenario: 'uniform', services: 6, endpointsPerService: 4, stepSeconds: 3600 }, hourly: false, options: { ...base, seed } });
  cases.push({ name: `queued 2+2 x4 seed ${seed}, hourly`, spec: { seed, scenario: 'uniform', services: 2, endpointsPerService: 4, queuedServices: 2, stepSeconds: 3600 }, hourly: true, options: { ...base, seed } });
  cases.push({ name: `growing 2+2 x4 seed ${seed}, no hourly`, spec: { seed, scenario: 'uniform', services: 2, endpointsPerService: 4, growingServices: 2, queuedServices: 1, stepSeconds: 3600 }, hourly: false, options: { ...base, seed } });
}
cases.push({ name: 'families seed 1', spec: { seed: 1, scenario: 'families', stepSeconds: 3600 }, hourly: false, options: { ...base, seed: 1 } });
cases.push({ name: 'demo, level 0.8, 777 draws, 7-day period', spec: { seed: 1, scenario: 'demo', stepSeconds: 300 }, hourly: true, options: { ...base, seed: 4, intervalLevel: 0.8, bootstrapDraws: 777, periodSeconds: 7 * DAY } });
cases.push({ name: 'queued, 21-day window, 6 h windows', spec: { seed: 2, scenario: 'uniform', services: 1, endpointsPerService: 3, queuedServices: 2, stepSeconds: 3600 }, hourly: true, options: { end, windowSeconds: 21 * DAY, breachWindowSeconds: 6 * 3600, seed: 2 } });

console.log(`old: ${ref} (${sha.slice(0, 10)}), new: this checkout`);
for (const c of cases) {
  const histories = fleetHistories({ ...c.spec, end, days: 29 }, { breachWindowSeconds: c.options.breachWindowSeconds, ...(c.hourly ? { hourly: true } : {}) });
  const a = JSON.stringify(old.recommend(structuredClone(histories), c.options));
  const b = JSON.stringify(recommend(structuredClone(histories), c.options));
  if (a !== b) {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    throw new Error(`${c.name}: the new RecommendResult differs from ${ref}'s at character ${i}:\n  old …${a.slice(Math.max(0, i - 120), i + 80)}\n  new …${b.slice(Math.max(0, i - 120), i + 80)}`);
  }
  console.log(`identical: ${c.name} (${histories.length} endpoints, ${(a.length / 1e6).toFixed(2)} MB of JSON)`);
}
