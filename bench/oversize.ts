/**
 * Oversized webhook posts against a real `serve` child process (PostgreSQL + Redis, as
 * bench/webhooks.ts): 24 concurrent unauthenticated 50 MB posts to the GitHub route, once with a
 * Content-Length header and once chunked (only the streaming cap can stop those). Prints the
 * serve process's peak RSS (VmHWM) and /healthz latency during each attack against the same
 * run's idle baseline. `npx tsx bench/oversize.ts` (needs the shared PostgreSQL and Redis).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createTestDatabase } from '../test/helpers/pg.js';
import { REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { median } from './lib.js';

const MB = 1024 * 1024;
const POSTS = 24;
const SIZE = 50 * MB;

function kib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

function serve(env: Record<string, string>): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/webhooks-stack.ts', 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.stdout!.once('data', (d: Buffer) => resolve({ proc, port: Number(/port (\d+)/.exec(d.toString())?.[1]) }));
    proc.once('exit', (code) => reject(new Error(`serve exited (${code})`)));
  });
}

/** One 50 MB post; resolves with the status (or -1 when the server closed the socket first). */
function oversized(port: number, chunked: boolean): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `big-${Math.random()}`, 'x-hub-signature-256': 'sha256=00' };
    if (!chunked) headers['content-length'] = SIZE;
    const req = request({ host: '127.0.0.1', port, path: '/api/github/webhooks', method: 'POST', headers }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve(-1));
    const chunk = Buffer.alloc(MB, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < SIZE && !req.destroyed) {
        sent += MB;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

async function healthMs(port: number): Promise<number> {
  const s = performance.now();
  await (await fetch(`http://127.0.0.1:${port}/healthz`)).text();
  return performance.now() - s;
}

async function attack(port: number, pid: number, chunked: boolean): Promise<{ statuses: Record<string, number>; healthMedianMs: number; rssMiB: number }> {
  const posts = Array.from({ length: POSTS }, () => oversized(port, chunked));
  const health: number[] = [];
  let done = false;
  const all = Promise.all(posts).finally(() => { done = true; });
  let peak = 0;
  while (!done) {
    health.push(await healthMs(port));
    peak = Math.max(peak, kib(pid, 'VmRSS'));
    await new Promise((r) => setTimeout(r, 50));
  }
  const statuses: Record<string, number> = {};
  for (const s of await all) statuses[s] = (statuses[s] ?? 0) + 1;
  return { statuses, healthMedianMs: median(health.length ? health : [await healthMs(port)]), rssMiB: peak / 1024 };
}

const db = await createTestDatabase();
const { proc, port } = await serve({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: uniquePrefix('bench-oversize') });
try {
  const pid = proc.pid!;
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push(await healthMs(port));
  const baseRss = kib(pid, 'VmRSS') / 1024;
  const baseHealth = median(idle);
  process.stdout.write(`serve idle: RSS ${baseRss.toFixed(0)} MiB, /healthz median ${baseHealth.toFixed(1)} ms\n`);
  for (const chunked of [false, true]) {
    const r = await attack(port, pid, chunked);
    process.stdout.write(`${POSTS} x 50 MB ${chunked ? 'chunked' : 'with Content-Length'}: answers ${JSON.stringify(r.statuses)}, peak RSS ${r.rssMiB.toFixed(0)} MiB (${(r.rssMiB / baseRss).toFixed(2)}x idle), /healthz median ${r.healthMedianMs.toFixed(1)} ms (${(r.healthMedianMs / baseHealth).toFixed(2)}x idle)\n`);
  }
  process.stdout.write(`serve peak RSS over the whole run (VmHWM): ${(kib(pid, 'VmHWM') / 1024).toFixed(0)} MiB\n`);
} finally {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  await db.drop();
}
