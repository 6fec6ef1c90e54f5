import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorStore, type Queryable } from '../../app/store/vectors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const MIGRATIONS = join(import.meta.dirname, '..', '..', 'migrations');
const unit = (xs: number[]) => { const n = Math.hypot(...xs); return Float32Array.from(xs.map((x) => x / n)); };
const items = [
  { service: 'payments', endpoint: '/charge', vector: unit([1, 0.1, 0, 0]) },
  { service: 'payments', endpoint: '/refund', vector: unit([0.9, 0.3, 0, 0]) },
  { service: 'checkout', endpoint: '/pay', vector: unit([0.8, 0, 0.2, 0]) },
  { service: 'reports', endpoint: '/daily', vector: unit([0, 0, 0.1, 1]) },
  { service: 'search', endpoint: null, vector: unit([0, 1, 0, 0.2]) },
];

/** The same behaviour on both paths: best first, self excluded, cosine similarity values. */
async function exercise(store: VectorStore): Promise<void> {
  await store.upsert('m1', items);
  const near = await store.similar('m1', unit([1, 0.1, 0, 0]), 3, { service: 'payments', endpoint: '/charge' });
  expect(near.map((n) => `${n.service} ${n.endpoint}`)).toEqual(['payments /refund', 'checkout /pay', 'search null']);
  expect(near[0]!.similarity).toBeCloseTo(0.9 * 1 / Math.hypot(0.9, 0.3) / Math.hypot(1, 0.1) + 0.03 / Math.hypot(0.9, 0.3) / Math.hypot(1, 0.1), 4);
  // Replacing a vector moves it; other models are separate spaces.
  await store.upsert('m1', [{ service: 'reports', endpoint: '/daily', vector: unit([1, 0.1, 0, 0.01]) }]);
  expect((await store.similar('m1', unit([1, 0.1, 0, 0]), 1, { service: 'payments', endpoint: '/charge' }))[0]).toMatchObject({ service: 'reports', endpoint: '/daily' });
  await store.upsert('m2', [{ service: 'x', endpoint: '/y', vector: unit([1, 2]) }]);
  expect((await store.similar('m2', unit([1, 2]), 5)).map((n) => n.service)).toEqual(['x']);
  await expect(store.upsert('m1', [{ service: 'a', endpoint: '/b', vector: Float32Array.from([Number.NaN, 1, 1, 1]) }])).rejects.toThrow(/NaN/);
  await expect(store.upsert('m1', [items[0]!, { ...items[1]!, vector: unit([1, 1]) }])).rejects.toThrow(/2 dimensions, but this batch has 4/);
}

describe('endpoint vectors on plain PostgreSQL (real[] + cosine in process)', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('records the plain path and finds neighbours in process', async () => {
    const store = new VectorStore(db.pool);
    expect(await store.storage()).toBe('plain');
    await exercise(store);
  });

  it('sees another process\'s writes', async () => {
    const a = new VectorStore(db.pool, 't1');
    const b = new VectorStore(db.pool, 't1');
    await a.upsert('m', [{ service: 's', endpoint: '/1', vector: unit([1, 0]) }]);
    expect(await b.similar('m', unit([1, 0]), 5)).toHaveLength(1);
    await a.upsert('m', [{ service: 's', endpoint: '/2', vector: unit([1, 0.1]) }]);
    expect(await b.similar('m', unit([1, 0]), 5)).toHaveLength(2);
    // Tenants do not see each other.
    expect(await new VectorStore(db.pool, 't2').similar('m', unit([1, 0]), 5)).toHaveLength(0);
  });
});

describe('endpoint vectors with pgvector (PGlite + vector extension)', () => {
  let pg: PGlite;
  beforeAll(async () => {
    pg = await PGlite.create({ extensions: { vector } });
    await pg.exec(readFileSync(join(MIGRATIONS, '001_meta.sql'), 'utf8'));
    await pg.exec(readFileSync(join(MIGRATIONS, '040_endpoint_vectors.sql'), 'utf8'));
  }, 60_000);
  afterAll(async () => { await pg.close(); });

  it('takes the pgvector path: vector column, HNSW index per width, <=> in SQL', async () => {
    const store = new VectorStore(pg as unknown as Queryable);
    expect(await store.storage()).toBe('pgvector');
    await exercise(store);
    const idx = await pg.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'endpoint_vectors_hnsw_4'");
    expect(idx.rows[0]!.indexdef).toMatch(/USING hnsw .*vector_cosine_ops.*WHERE \(dims = 4\)/);
    await pg.exec('SET enable_seqscan = off');
    const plan = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT service FROM endpoint_vectors WHERE tenant = '' AND model = 'm1' AND dims = 4 ORDER BY embedding_v::vector(4) <=> '[1,0,0,0]'::vector(4) LIMIT 3`);
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/endpoint_vectors_hnsw_4/);
  }, 60_000);
});
