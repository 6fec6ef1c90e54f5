/**
 * `npm run bench [-- name...]`: runs the benchmark scripts one after another, each in its own
 * process (so one's heap and JIT state do not colour the next), and prints their output as is.
 * Benchmarks print medians and ratios against a baseline measured in the same run; they are not
 * part of `npm test`. Some need local services: analyze (Debian prometheus/promtool),
 * webhooks (PostgreSQL + Redis), ingest's flush part (PostgreSQL).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ALL = ['recommend', 'backtest', 'exports', 'simulate', 'capsules', 'ingest', 'analyze', 'webhooks', 'cli-startup', 'web', 'oversize', 'pg-outage', 'slack-ack'];
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !ALL.includes(w));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : ALL) {
  process.stdout.write(`\n=== bench/${name}.ts ===\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`)], { stdio: 'inherit', env: process.env });
  if (run.status !== 0) {
    failed++;
    process.stdout.write(`bench/${name}.ts exited with ${run.status ?? run.signal}\n`);
  }
}
process.exit(failed ? 1 : 0);
