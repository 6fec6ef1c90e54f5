/**
 * CLI start-up (issue 12): wall time of `slo-scout --help` and `--version` from the BUILT cli
 * (dist/app/bin.js, what `npx slo-scout` runs), against a bare `node -e 0` measured in the same
 * run, interleaved so load on the machine hits every command alike. Goal: ratio <= 2.
 * Also times `analyze --help` (loads one command module) to show what a command's own imports cost.
 *
 *   npm run build && npx tsx bench/cli-startup.ts [runs=15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './lib.js';

const runs = Number(process.argv[2] ?? 15);
const bin = join(import.meta.dirname, '..', 'dist', 'app', 'bin.js');
if (!existsSync(bin)) {
  process.stderr.write(`${bin} is missing: run \`npm run build\` first\n`);
  process.exit(2);
}

const cases: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['slo-scout --help', [bin, '--help']],
  ['slo-scout --version', [bin, '--version']],
  ['slo-scout analyze --help', [bin, 'analyze', '--help']],
];
const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));

for (let i = 0; i < runs + 1; i++) {
  for (const [name, args] of cases) {
    const s = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - s;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr.toString()}`);
    if (i > 0) times.get(name)!.push(ms); // the first round warms the file cache
  }
}

const base = median(times.get('node -e 0')!);
process.stdout.write(`${runs} runs each, node ${process.version}\n`);
for (const [name] of cases) {
  const m = median(times.get(name)!);
  process.stdout.write(`${name.padEnd(26)} median ${m.toFixed(1).padStart(7)} ms   ${(m / base).toFixed(2)}x node -e 0\n`);
}
const worst = Math.max(median(times.get('slo-scout --help')!), median(times.get('slo-scout --version')!)) / base;
process.stdout.write(`--help/--version vs node -e 0: ${worst.toFixed(2)}x (goal <= 2.00x) ${worst <= 2 ? 'OK' : 'OVER'}\n`);
