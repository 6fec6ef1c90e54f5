/**
 * Similar-endpoint lookups over N stored endpoints on the plain PostgreSQL path (real[] column,
 * cosine in process): median wall time per lookup (freshness probe + scan), next to the bare
 * in-memory scan of the same vectors (same run), and the one-off cold load. Issue 15 §5 asks for a
 * median under 50 ms at 10k endpoints. Wall time suffers from other load on the machine; the CPU time
 * of this process per lookup is printed next to it.
 *
 *   npx tsx bench/vectors.ts [endpoints=10000] [dims=384] [lookups=50]   (DATABASE_URL or the local server)
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createRng } from '../app/core/rng.js';
import { normalize, topK, toMatrix, topKMatrix } from '../app/core/vectors/index.js';
import { createPool } from '../app/store/db.js';
import { migrate } from '../app/store/migrate.js';
import { VectorStore } from '../app/store/vectors.js';
import { median } from './lib.js';

const n = Number(process.argv[2] ?? 10_000);
const dims = Number(process.argv[3] ?? 384);
const lookups = Number(process.argv[4] ?? 50);
const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `slo_scout_bench_${randomBytes(4).toString('hex')}`;
const a = new pg.Client({ connectionString: admin });
await a.connect();
await a.query(`CREATE DATABASE ${name}`);
await a.end();
const url = new URL(admin);
url.pathname = `/${name}`;
const pool = createPool(url.toString(), 2);
try {
  await migrate(pool);
  const rng = createRng(15);
  const vec = () => normalize(Float32Array.from({ length: dims }, () => rng.normal()));
  const items = Array.from({ length: n }, (_, i) => ({ service: `svc-${i % 500}`, endpoint: `/api/v1/resource-${i}`, vector: vec() }));
  const store = new VectorStore(pool);
  let t = performance.now();
  await store.upsert('bench', items);
  const insertS = (performance.now() - t) / 1000;
  t = performance.now();
  await store.similar('bench', vec(), 8);
  const coldMs = performance.now() - t;
  const times: number[] = [];
  const cpus: number[] = [];
  const scans: number[] = [];
  const vectors = items.map((x) => x.vector);
  const matrix = toMatrix(vectors, dims);
  const flat: number[] = [];
  for (let i = 0; i < lookups; i++) {
    const q = vec();
    t = performance.now();
    const c0 = process.cpuUsage();
    await store.similar('bench', q, 8, { service: items[i]!.service, endpoint: items[i]!.endpoint });
    times.push(performance.now() - t);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    t = performance.now();
    topK(q, vectors, 8);
    scans.push(performance.now() - t);
    t = performance.now();
    topKMatrix(q, matrix, 8);
    flat.push(performance.now() - t);
  }
  console.log(`plain path (${await store.storage()}), ${n.toLocaleString('en-US')} endpoints x ${dims} dims: median lookup ${median(times).toFixed(2)} ms wall, ${median(cpus).toFixed(2)} ms CPU of this process ` +
    `(bare in-memory scans: array of rows ${median(scans).toFixed(2)} ms, one matrix ${median(flat).toFixed(2)} ms; lookup/matrix ratio ${(median(times) / median(flat)).toFixed(2)}x; ${lookups} lookups); cold first lookup ${coldMs.toFixed(0)} ms; insert ${insertS.toFixed(1)} s`);
} finally {
  await pool.end();
  const d = new pg.Client({ connectionString: admin });
  await d.connect();
  await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await d.end();
}
