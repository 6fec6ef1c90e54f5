/**
 * The test Prometheus built from the backfill in pieces of time (one promtool run and one block per
 * piece, test/helpers/prometheus.ts buildBlocks) answers exactly as one built from a single file:
 * same raw samples, same histories through the adapter. The demo subset has a deploy (new series
 * mid-history), an incident and a two-day gap, so pieces start and end inside all of them.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../../../app/telemetry/prometheus/source.js';
import { buildBlocks, startPrometheus, TEST_END, TEST_FLEET, type RunningPrometheus } from '../../helpers/prometheus.js';

const DAY = 86_400;
const SERVICES = ['checkout', 'payments', 'catalog'];
const spec = { fleet: TEST_FLEET, filter: (e: { service: string }) => SERVICES.includes(e.service) };

describe('backfill in pieces of time', () => {
  let single: RunningPrometheus;
  let pieces: RunningPrometheus;
  let blocks: { single: number; pieces: number };
  beforeAll(async () => {
    const tag = `pieces-${SERVICES.join(',')}`;
    const [a, b] = [await buildBlocks(spec, tag, { blockHours: 0 }), await buildBlocks(spec, tag, { blockHours: 54 })];
    blocks = { single: (await readdir(a)).length, pieces: (await readdir(b)).length };
    [single, pieces] = await Promise.all([startPrometheus(a), startPrometheus(b)]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([single?.stop(), pieces?.stop()]);
  });

  it('cuts 29 days into one block per 54 hours (a single file gives promtool\'s 486 h blocks)', () => {
    expect(blocks.single).toBeLessThanOrEqual(3);
    expect(blocks.pieces).toBeGreaterThanOrEqual(13);
  });

  it('holds the same samples, counters continuous across the pieces', async () => {
    const raw = async (prom: RunningPrometheus) => {
      const series = await new PrometheusClient({ url: prom.url }).queryRange('http_server_request_duration_seconds_count', TEST_END - 29 * DAY, TEST_END, 3600);
      return new Map(series.map((s) => [JSON.stringify(s.metric), s.values]));
    };
    const [a, b] = await Promise.all([raw(single), raw(pieces)]);
    expect(a.size).toBeGreaterThan(10);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [key, values] of a) expect(b.get(key), key).toEqual(values);
    // A counter reset at a piece's start would show as a drop.
    const drops = [...b.values()].filter((v) => v.some(([, x], i) => i > 0 && Number(x) < Number(v[i - 1]![1])));
    expect(drops).toEqual([]);
  });

  it('gives the adapter the same histories, hourly series included', async () => {
    const histories = (prom: RunningPrometheus) => new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url }) })
      .fetchHistories({ end: TEST_END, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, hourly: true });
    const [a, b] = await Promise.all([histories(single), histories(pieces)]);
    expect(a.histories.length).toBeGreaterThan(5);
    expect(b.histories).toEqual(a.histories);
    expect(b.skipped).toEqual(a.skipped);
  });
});
