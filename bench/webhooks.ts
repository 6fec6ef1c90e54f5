/**
 * Webhook intake benchmark (issue 4): N slash-command webhooks per second for D seconds against
 * the local stack, as deployed: `serve` and `worker` in their own processes (real PostgreSQL
 * inbox, real Redis queues; GitHub mocked with nock inside the worker process). This process is
 * only the load generator. Prints acknowledge latency p50 (median) / p95 and jobs lost (must be 0).
 *
 *   npx tsx bench/webhooks.ts [--rate 50] [--duration 60]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '../test/helpers/pg.js';
import { REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { postWebhook, prCommentPayload } from '../test/helpers/webhooks.js';
import { Queue } from 'bullmq';
import { createRedis } from '../app/queues.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}

function child(role: 'serve' | 'worker', env: Record<string, string>): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/webhooks-stack.ts', role], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.stdout!.once('data', (d: Buffer) => resolve({ proc, line: d.toString().trim() }));
    proc.once('exit', (code) => reject(new Error(`${role} exited (${code})`)));
  });
}

const rate = arg('rate', 50);
const duration = arg('duration', 60);
const db = await createTestDatabase();
const prefix = uniquePrefix('bench');
const env = { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix };
const serve = await child('serve', env);
const worker = await child('worker', env);
const url = `http://127.0.0.1:${serve.line.split(' ')[1]}`;

const total = rate * duration;
const acks: number[] = [];
const ids: string[] = [];
let refused = 0;
process.stderr.write(`sending ${total} slash-command webhooks at ${rate}/s for ${duration} s to ${url}\n`);
const started = performance.now();
const inflight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  // Open loop: request i leaves at i/rate s whatever earlier requests are doing.
  const wait = started + (i * 1000) / rate - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const t0 = performance.now();
  inflight.push(postWebhook(url, 'issue_comment', prCommentPayload(i % 2 ? '/slo-scout help' : '/slo-scout frobnicate'), { secret: 'bench-secret' })
    .then((res) => {
      if (res.status !== 200) return void refused++;
      acks.push(performance.now() - t0);
      ids.push(res.deliveryId);
    }, () => void refused++));
}
await Promise.all(inflight);
const sendSeconds = (performance.now() - started) / 1000;
const drainStart = performance.now();
let processed = 0;
for (;;) {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NOT NULL');
  processed = rows[0].n;
  if (processed >= ids.length || performance.now() - drainStart > 180_000) break;
  await new Promise((r) => setTimeout(r, 250));
}
const { rows: dup } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE process_count > 1');
acks.sort((a, b) => a - b);
const lost = ids.length - processed;
process.stdout.write([
  `webhooks: ${total} sent at ${rate}/s over ${sendSeconds.toFixed(1)} s; acknowledged ${ids.length}, refused/failed ${refused}`,
  `ack latency: p50 ${quantile(acks, 0.5).toFixed(1)} ms, p95 ${quantile(acks, 0.95).toFixed(1)} ms, max ${(acks.at(-1) ?? NaN).toFixed(1)} ms`,
  `processed by workers: ${processed}, drained ${((performance.now() - drainStart) / 1000).toFixed(1)} s after the last ack; processed twice: ${dup[0].n}`,
  `jobs lost: ${lost}`,
].join('\n') + '\n');
serve.proc.kill('SIGTERM');
worker.proc.kill('SIGTERM');
const connection = createRedis(REDIS_URL);
const q = new Queue('webhook', { connection, prefix });
await q.obliterate({ force: true }).catch(() => undefined);
await q.close();
connection.disconnect();
await db.drop();
process.exitCode = lost === 0 && refused === 0 ? 0 : 1;
