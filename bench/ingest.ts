/**
 * Intake benchmark (issue 6):
 *  1. protobuf ExportTraceServiceRequest batches of 512 spans: decode-only (baseline) vs decode +
 *     aggregate, spans/s on one core, medians of several rounds over the same batches;
 *  2. RSS after 1M and 10M spans through decode + aggregate (memory must follow series, not spans);
 *  3. flush rows/s into PostgreSQL (multi-row unnest inserts), skipped when no database answers.
 *
 *   npx tsx bench/ingest.ts [rounds=7] [bigSpans=10000000]
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres for the flush part (a scratch database is created and dropped)
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createRng } from '../app/core/rng.js';
import { decodeRequest, encodeRequest } from '../app/telemetry/otlp/decode.js';
import { SpanAggregator } from '../app/telemetry/otlp/aggregate.js';
import { createPool } from '../app/store/db.js';
import { migrate } from '../app/store/migrate.js';
import { PgTelemetryStore } from '../app/store/telemetry.js';
import { median } from './lib.js';

const rounds = Number(process.argv[2] ?? 7);
const bigSpans = Number(process.argv[3] ?? 10_000_000);
const BATCH = 512;
const BATCHES = 200;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// Realistic batches: 10 services x 8 routes, HTTP attributes as the OTel SDKs emit them, lognormal
// latencies, 1% 5xx, spans ending within 5 minutes (what one flush interval of a busy receiver sees).
function buildBatches(): Buffer[] {
  const r = createRng(1);
  const t0 = BigInt(Date.UTC(2026, 10, 1)) * 1_000_000n;
  const out: Buffer[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const service = `svc-${b % 10}`;
    const spans = Array.from({ length: BATCH }, (_, i) => {
      const ms = 40 * Math.exp(0.8 * r.normal());
      const end = t0 + BigInt(r.int(0, 299_999)) * 1_000_000n;
      return {
        traceId: randomBytes(16), spanId: randomBytes(8), parentSpanId: randomBytes(8), name: `GET /api/v1/items/{id}/${i % 8}`, kind: 2,
        startTimeUnixNano: (end - BigInt(Math.round(ms * 1e6))).toString(), endTimeUnixNano: end.toString(),
        attributes: [
          { key: 'http.request.method', value: { stringValue: 'GET' } },
          { key: 'http.route', value: { stringValue: `/api/v1/items/{id}/${i % 8}` } },
          { key: 'url.scheme', value: { stringValue: 'https' } },
          { key: 'server.address', value: { stringValue: 'api.example.com' } },
          { key: 'http.response.status_code', value: { intValue: r.next() < 0.01 ? 503 : 200 } },
          { key: 'user_agent.original', value: { stringValue: 'Mozilla/5.0 (X11; Linux x86_64)' } },
        ],
        status: { code: 0 },
      };
    });
    out.push(encodeRequest('traces', { resourceSpans: [{ resource: { attributes: [
      { key: 'service.name', value: { stringValue: service } }, { key: 'service.version', value: { stringValue: '2.3.1' } },
      { key: 'deployment.environment.name', value: { stringValue: 'prod' } }, { key: 'telemetry.sdk.language', value: { stringValue: 'nodejs' } },
    ] }, scopeSpans: [{ spans }] }] }));
  }
  return out;
}

const batches = buildBatches();
const spansPerRound = BATCHES * BATCH;
console.log(`${BATCHES} batches x ${BATCH} spans, ${fmt(batches.reduce((s, b) => s + b.length, 0) / BATCHES)} bytes per batch (protobuf)`);

function decodeOnly(): number {
  let n = 0;
  for (const b of batches) n += decodeRequest('traces', b, 'protobuf').resourceSpans![0]!.scopeSpans![0]!.spans!.length;
  return n;
}
function decodeAndAggregate(agg: SpanAggregator): number {
  let n = 0;
  for (const b of batches) n += agg.addTraces('t', decodeRequest('traces', b, 'protobuf')).accepted;
  return n;
}

// Warm-up (JIT), then interleaved rounds so machine noise hits both sides alike.
decodeOnly();
decodeAndAggregate(new SpanAggregator());
// Rates per CPU second of this (single-threaded) process: "spans/s on one core", unaffected by other
// processes competing for the cores; wall-clock rates are printed too.
const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
const base: number[] = [];
const full: number[] = [];
const baseWall: number[] = [];
const fullWall: number[] = [];
for (let i = 0; i < rounds; i++) {
  let c = process.cpuUsage();
  let t = performance.now();
  decodeOnly();
  base.push(spansPerRound / cpuSeconds(process.cpuUsage(c)));
  baseWall.push(spansPerRound / ((performance.now() - t) / 1000));
  const agg = new SpanAggregator();
  c = process.cpuUsage();
  t = performance.now();
  decodeAndAggregate(agg);
  full.push(spansPerRound / cpuSeconds(process.cpuUsage(c)));
  fullWall.push(spansPerRound / ((performance.now() - t) / 1000));
}
const b = median(base);
const f = median(full);
console.log(`decode only (baseline):   median ${fmt(b)} spans per CPU-second (wall ${fmt(median(baseWall))}/s) over ${rounds} rounds`);
console.log(`decode + aggregate:       median ${fmt(f)} spans per CPU-second (wall ${fmt(median(fullWall))}/s)  ratio ${(f / b * 100).toFixed(1)}% of decode-only  (goals: >= 50%, >= 100,000 spans/s)`);

// Memory: the same batches again and again without draining; series stay fixed while spans grow.
const agg = new SpanAggregator();
let done = 0;
global.gc?.();
const rss0 = process.memoryUsage().rss;
for (const target of [1_000_000, bigSpans]) {
  while (done < target) done += decodeAndAggregate(agg);
  global.gc?.();
  console.log(`after ${fmt(done)} spans: RSS ${fmt(process.memoryUsage().rss / 2 ** 20)} MiB (start ${fmt(rss0 / 2 ** 20)} MiB), ${fmt(agg.seriesCount)} series in memory`);
}

// Flush into PostgreSQL.
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `slo_scout_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
try {
  await admin.connect();
} catch (err) {
  console.log(`flush: skipped (no PostgreSQL at ${adminUrl}: ${(err as Error).message})`);
  process.exit(0);
}
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const pool = createPool(url.toString(), 4);
// DROP DATABASE ... WITH (FORCE) below may terminate a connection the pool is still closing.
pool.on('error', () => undefined);
try {
  await migrate(pool);
  const store = new PgTelemetryStore(pool);
  const rates: number[] = [];
  const cpuShare: number[] = [];
  // One flush of a receiver with ~10k live series (30 tenants x the batches' ~770 series / 2).
  const decoded = batches.slice(0, 100).map((batch) => decodeRequest('traces', batch, 'protobuf'));
  for (let i = 0; i < 5; i++) {
    const a = new SpanAggregator();
    for (let tenant = 0; tenant < 30; tenant++) for (const req of decoded) a.addTraces(`r${i}-t${tenant}`, req);
    const rows = a.drain();
    const t = performance.now();
    const c = process.cpuUsage();
    await store.writeAggregates(rows);
    rates.push(rows.length / ((performance.now() - t) / 1000));
    cpuShare.push(cpuSeconds(process.cpuUsage(c)) / ((performance.now() - t) / 1000));
    if (i === 0) console.log(`flush: ${fmt(rows.length)} aggregate rows per flush (each with a serialized DDSketch and exemplars)`);
  }
  console.log(`flush: median ${fmt(median(rates))} aggregate rows/s into PostgreSQL over 5 flushes (${rates.map((r) => fmt(r)).join(', ')}); Node CPU (sketch toProto, JSON) = ${(median(cpuShare) * 100).toFixed(0)}% of the flush time`);
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
