import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFleetExposition, fleetBackfillLines, fleetBackfillPieces, liveExposition, OTEL_METRIC_NAMING } from '../../app/core/fleet/exposition.js';
import { writeBackfill } from '../../app/cli/backfill.js';
import { CLASSIC_NAMING, writeOpenMetrics } from '../helpers/prometheus.js';

const END = Date.UTC(2026, 10, 1) / 1000;
const spec = { seed: 3, end: END, days: 8, scenario: 'demo' as const };

function parse(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf('} ');
    m.set(line.slice(0, sp + 1), Number(line.slice(sp + 2).split(' ')[0]));
  }
  return m;
}

/** Each piece read before the next is asked for, as fleetBackfillPieces requires. */
function readPieces(pieces: Generator<Generator<string[]>>): string[][] {
  const out: string[][] = [];
  for (const piece of pieces) out.push([...piece].flat());
  return out;
}

describe('demo fleet exposition', () => {
  const fx = buildFleetExposition(spec);

  it('backfill samples ascend in time per series, counters never drop, and end where the live scrape starts', () => {
    const last = new Map<string, { t: number; v: number }>();
    const bad: string[] = [];
    for (const lines of fleetBackfillLines(spec)) {
      for (const line of lines) {
        const [series, value, t] = [line.slice(0, line.lastIndexOf('} ') + 1), ...line.slice(line.lastIndexOf('} ') + 2).split(' ').map(Number)] as [string, number, number];
        const before = last.get(series);
        // Counters never go down; samples of a series ascend in time.
        if (before && (t <= before.t || value < before.v)) bad.push(line);
        last.set(series, { t, v: value });
      }
    }
    expect(bad.slice(0, 3)).toEqual([]);
    const live = parse(liveExposition(fx, END));
    expect(live.size).toBeGreaterThan(100);
    for (const [series, v] of live) {
      if (last.get(series)?.t !== END || last.get(series)?.v !== v) bad.push(series);
    }
    expect(bad).toEqual([]);
  });

  it('live counters only grow, at the rate of the same hour one week earlier', () => {
    const at = (t: number) => parse(liveExposition(fx, t));
    const a = at(END);
    const b = at(END + 3600);
    const c = at(END + 9 * 86_400); // past one whole replayed week
    let grew = 0;
    for (const [series, v] of a) {
      expect(b.get(series)!).toBeGreaterThanOrEqual(v);
      expect(c.get(series)!).toBeGreaterThanOrEqual(b.get(series)!);
      if (b.get(series)! > v) grew++;
    }
    expect(grew).toBeGreaterThan(10);
    // One hour of checkout traffic now equals its first hour one week before END.
    const key = [...a.keys()].find((k) => k.startsWith('http_server_request_duration_seconds_count{service_name="checkout",http_route="/checkout",http_response_status_code="200"'))!;
    const hour = b.get(key)! - a.get(key)!;
    expect(hour).toBeGreaterThan(0);
    expect(at(END + 7 * 86_400 + 3600).get(key)! - at(END + 7 * 86_400).get(key)!).toBeCloseTo(hour, -1);
  });

  it('the tests\' Prometheus is backfilled by the same writer as demo-exporter: a subset is exactly those endpoints\' lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-scout-backfill-'));
    try {
      const keep = (ep: { service: string }) => ep.service === 'payments';
      await writeBackfill(join(dir, 'all.om'), spec);
      const { endpoints } = await writeOpenMetrics({ fleet: spec, filter: keep }, join(dir, 'payments.om'));
      const all = (await readFile(join(dir, 'all.om'), 'utf8')).split('\n');
      const some = (await readFile(join(dir, 'payments.om'), 'utf8')).split('\n');
      expect(endpoints.length).toBeGreaterThan(0);
      expect(some.slice(0, 3)).toEqual(all.slice(0, 3)); // HELP, TYPE, UNIT
      expect(some.at(-2)).toBe('# EOF');
      const samples = some.filter((l) => l && !l.startsWith('#'));
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.every((l) => l.includes(`${OTEL_METRIC_NAMING.service}="payments"`))).toBe(true);
      expect(samples).toEqual(all.filter((l) => l.includes(`${OTEL_METRIC_NAMING.service}="payments"`)));
      // Another naming renames the series and keeps the numbers.
      await writeOpenMetrics({ fleet: spec, filter: keep, naming: CLASSIC_NAMING }, join(dir, 'classic.om'));
      const classic = (await readFile(join(dir, 'classic.om'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
      expect(classic[0]).toMatch(/^http_request_duration_seconds_bucket\{service="payments",route="[^"]+",code="200",le="[^"]+"\} \d+ \d+$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cut in pieces of time, the backfill is the same samples, each piece holding only its own times', () => {
    const whole = [...fleetBackfillLines(spec)].flat();
    // A bound at every sample time (hourly) and a few in between: every new series' zero sample
    // and every deploy falls on or next to a bound somewhere.
    const bounds: number[] = [];
    for (let t = END - 9 * 86_400; t <= END; t += 3600) bounds.push(t);
    bounds.push(END + 1800);
    bounds.sort((a, b) => a - b);
    const pieces = readPieces(fleetBackfillPieces(spec, bounds));
    expect(pieces).toHaveLength(bounds.length + 1);
    const timeOf = (line: string) => Number(line.slice(line.lastIndexOf(' ') + 1));
    const outside = pieces.flatMap((lines, i) => lines.filter((l) => (i > 0 && timeOf(l) < bounds[i - 1]!) || (i < bounds.length && timeOf(l) >= bounds[i]!)));
    expect(outside).toEqual([]);
    expect(pieces.filter((p) => p.length > 0).length).toBeGreaterThan(150);
    // Series by series, the same samples in the same order: counters run on across the bounds.
    const bySeries = (lines: string[]) => {
      const m = new Map<string, string[]>();
      for (const l of lines) {
        const key = l.slice(0, l.lastIndexOf('} ') + 1);
        const list = m.get(key);
        if (list) list.push(l.slice(key.length));
        else m.set(key, [l.slice(key.length)]);
      }
      return m;
    };
    const a = bySeries(whole);
    const b = bySeries(pieces.flat());
    expect(b.size).toBe(a.size);
    for (const [key, samples] of a) expect(b.get(key), key).toEqual(samples);
    // Within a piece each series is contiguous, as promtool requires.
    for (const lines of pieces) {
      const seen = new Set<string>();
      let previous = '';
      for (const l of lines) {
        const key = l.slice(0, l.lastIndexOf('} ') + 1);
        if (key !== previous) {
          expect(seen.has(key), key).toBe(false);
          seen.add(key);
          previous = key;
        }
      }
    }
  });

  it('reading only part of a piece keeps the next pieces whole', () => {
    const bounds = [END - 4 * 86_400];
    const full = readPieces(fleetBackfillPieces(spec, bounds));
    const pieces = fleetBackfillPieces(spec, bounds);
    const first = pieces.next().value!;
    first.next(); // one endpoint of the first piece, then on to the second
    expect([...pieces.next().value!].flat()).toEqual(full[1]);
  });
});

