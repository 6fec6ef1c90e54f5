/**
 * Endpoint vectors in PostgreSQL (migrations/040_endpoint_vectors.sql). Two paths behind one class:
 * - pgvector: `embedding_v` column, an HNSW index per vector width, nearest neighbours by `<=>`
 *   (cosine distance) in SQL;
 * - plain: the real[] column, loaded once per (tenant, model) into memory and scanned in process
 *   (app/core/vectors topK). A cheap freshness probe (row count and newest update) per lookup
 *   reloads only when another process wrote.
 * Works with anything that has `query(text, params)` returning `{ rows }` (pg.Pool, PGlite).
 */
import { normalize, toMatrix, topKMatrix, type Matrix, type Vector } from '../core/vectors/index.js';

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface StoredVector { service: string; endpoint: string | null; vector: Vector; profile?: unknown }
export interface SimilarRow { service: string; endpoint: string | null; similarity: number }

const MAX_DIMS = 4096;
const MAX_BATCH = 1000;

export class VectorStore {
  private mode: 'pgvector' | 'plain' | undefined;
  private readonly indexed = new Set<number>();
  private readonly cache = new Map<string, { stamp: string; rows: Array<{ service: string; endpoint: string | null }>; matrix: Matrix }>();

  constructor(private readonly db: Queryable, private readonly tenant = '') {}

  /** Which path this database uses (from the migration's record; pgvector also needs the column). */
  async storage(): Promise<'pgvector' | 'plain'> {
    if (!this.mode) {
      const r = await this.db.query<{ value: string }>("SELECT value FROM slo_scout_meta WHERE key = 'vector_storage'");
      this.mode = r.rows[0]?.value === 'pgvector' ? 'pgvector' : 'plain';
    }
    return this.mode;
  }

  /** Inserts or replaces vectors of one model; vectors are normalised on the way in. */
  async upsert(model: string, items: readonly StoredVector[]): Promise<void> {
    if (items.length === 0) return;
    const dims = items[0]!.vector.length;
    if (dims === 0 || dims > MAX_DIMS) throw new Error(`vectors of ${dims} dimensions cannot be stored (1..${MAX_DIMS})`);
    for (const it of items) {
      if (it.vector.length !== dims) throw new Error(`${it.service} ${it.endpoint ?? ''}: ${it.vector.length} dimensions, but this batch has ${dims}; one model gives one width`);
      if (!it.vector.every(Number.isFinite)) throw new Error(`${it.service} ${it.endpoint ?? ''}: vector has NaN or infinite values`);
    }
    const pgv = (await this.storage()) === 'pgvector';
    if (pgv) await this.ensureIndex(dims);
    for (let i = 0; i < items.length; i += MAX_BATCH) {
      const batch = items.slice(i, i + MAX_BATCH);
      const params: unknown[] = [];
      const values = batch.map((it) => {
        const v = Array.from(normalize(Float32Array.from(it.vector)));
        params.push(this.tenant, model, it.service, it.endpoint ?? '', dims, v, it.profile === undefined ? null : JSON.stringify(it.profile));
        const n = params.length;
        const base = `($${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::real[], $${n}::jsonb, now()`;
        return pgv ? `${base}, $${n - 1}::real[]::vector)` : `${base})`;
      });
      await this.db.query(
        `INSERT INTO endpoint_vectors (tenant, model, service, endpoint, dims, embedding, profile, updated_at${pgv ? ', embedding_v' : ''}) VALUES ${values.join(', ')}
         ON CONFLICT (tenant, model, service, endpoint) DO UPDATE SET dims = EXCLUDED.dims, embedding = EXCLUDED.embedding, profile = EXCLUDED.profile,
           updated_at = EXCLUDED.updated_at${pgv ? ', embedding_v = EXCLUDED.embedding_v' : ''}`,
        params,
      );
    }
    this.cache.delete(model);
  }

  /** The k stored endpoints most similar to `q` (cosine), best first; `exclude` drops one endpoint (itself). */
  async similar(model: string, q: Vector, k: number, exclude?: { service: string; endpoint: string | null }): Promise<SimilarRow[]> {
    const kk = Math.max(1, Math.min(100, Math.floor(k)));
    const query = normalize(Float32Array.from(q));
    if ((await this.storage()) === 'pgvector') return this.similarSql(model, query, kk, exclude);
    const c = await this.load(model);
    const ex = exclude ? (i: number) => c.rows[i]!.service === exclude.service && c.rows[i]!.endpoint === exclude.endpoint : undefined;
    if (c.matrix.rows === 0) return [];
    if (c.matrix.dims !== query.length) throw new Error(`model ${model} stores ${c.matrix.dims}-dimensional vectors; the query has ${query.length}`);
    return topKMatrix(query, c.matrix, kk, ex).map((n) => ({ ...c.rows[n.index]!, similarity: n.similarity }));
  }

  private async similarSql(model: string, q: Vector, k: number, exclude?: { service: string; endpoint: string | null }): Promise<SimilarRow[]> {
    const d = q.length;
    // The expression and the dims predicate match the partial HNSW index, so the planner can use it.
    const r = await this.db.query<{ service: string; endpoint: string; distance: number }>(
      `SELECT service, endpoint, (embedding_v::vector(${d}) <=> $1::real[]::vector(${d})) AS distance
         FROM endpoint_vectors
        WHERE tenant = $2 AND model = $3 AND dims = ${d} AND ($4::text IS NULL OR NOT (service = $4 AND endpoint = $5))
        ORDER BY embedding_v::vector(${d}) <=> $1::real[]::vector(${d}) LIMIT ${k}`,
      [Array.from(q), this.tenant, model, exclude?.service ?? null, exclude?.endpoint ?? ''],
    );
    return r.rows.map((x) => ({ service: x.service, endpoint: x.endpoint === '' ? null : x.endpoint, similarity: 1 - Number(x.distance) }));
  }

  private async ensureIndex(dims: number): Promise<void> {
    if (this.indexed.has(dims)) return;
    // dims is a checked integer, so interpolating it is safe; CREATE INDEX takes no parameters.
    await this.db.query(`CREATE INDEX IF NOT EXISTS endpoint_vectors_hnsw_${dims} ON endpoint_vectors USING hnsw ((embedding_v::vector(${dims})) vector_cosine_ops) WHERE dims = ${dims}`);
    this.indexed.add(dims);
  }

  private async load(model: string) {
    const s = await this.db.query<{ n: string; t: string | null }>('SELECT count(*)::text AS n, max(updated_at)::text AS t FROM endpoint_vectors WHERE tenant = $1 AND model = $2', [this.tenant, model]);
    const stamp = `${s.rows[0]?.n}/${s.rows[0]?.t}`;
    const hit = this.cache.get(model);
    if (hit && hit.stamp === stamp) return hit;
    // As text: node-postgres' array parser is ~10x slower than a split for 10k x 384 floats.
    const r = await this.db.query<{ service: string; endpoint: string; e: string }>("SELECT service, endpoint, array_to_string(embedding, ',') AS e FROM endpoint_vectors WHERE tenant = $1 AND model = $2 ORDER BY service, endpoint", [this.tenant, model]);
    const c = {
      stamp,
      rows: r.rows.map((x) => ({ service: x.service, endpoint: x.endpoint === '' ? null : x.endpoint })),
      matrix: toMatrix(r.rows.map((x) => Float32Array.from(x.e.split(','), Number)), r.rows.length ? r.rows[0]!.e.split(',').length : 0),
    };
    this.cache.set(model, c);
    return c;
  }
}
