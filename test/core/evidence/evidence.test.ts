import { describe, expect, it } from 'vitest';
import { grafanaExploreUrl, mergeEvidence, prometheusGraphUrl, tempoSearchUrl, traceqlFor, worstWindows } from '../../../app/core/evidence/index.js';
import type { WindowCounts } from '../../../app/core/types.js';

describe('TraceQL', () => {
  it.each([
    ['a sub-second latency threshold in milliseconds', 'checkout', '/pay', 0.3, '{ resource.service.name = "checkout" && span.http.route = "/pay" && duration > 300ms }'],
    ['a threshold of seconds in seconds', 'search', '/q', 2.5, '{ resource.service.name = "search" && span.http.route = "/q" && duration > 2.5s }'],
    ['availability searches for error spans', 'auth', '/login', null, '{ resource.service.name = "auth" && span.http.route = "/login" && status = error }'],
    ['a whole-service SLI has no route condition, quotes are escaped', 'we"ird', null, 0.005, '{ resource.service.name = "we\\"ird" && duration > 5ms }'],
  ])('%s', (_name, service, endpoint, threshold, expected) => {
    expect(traceqlFor(service, endpoint, threshold)).toBe(expected);
  });
});

describe('links', () => {
  const start = Date.UTC(2026, 10, 20) / 1000;
  it('a Prometheus graph link shows the window with half a window either side', () => {
    const url = new URL(prometheusGraphUrl('http://prom:9090/', 'up == 1', start, start + 86400));
    expect(url.pathname).toBe('/graph');
    expect(url.searchParams.get('g0.expr')).toBe('up == 1');
    expect(url.searchParams.get('g0.range_input')).toBe('2d');
    expect(url.searchParams.get('g0.end_input')).toBe('2026-11-21 12:00:00');
    expect(url.searchParams.get('g0.tab')).toBe('0');
  });

  it('a Grafana Explore link carries the datasource, the query and the range in milliseconds', () => {
    const url = new URL(grafanaExploreUrl('https://grafana.example', 'abc', 'up', start, start + 3600));
    const panes = JSON.parse(url.searchParams.get('panes')!) as { slo: { datasource: string; queries: Array<{ expr: string }>; range: { from: string; to: string } } };
    expect(panes.slo.datasource).toBe('abc');
    expect(panes.slo.queries[0]!.expr).toBe('up');
    expect(Number(panes.slo.range.to) - Number(panes.slo.range.from)).toBe(2 * 3600 * 1000);
  });

  it('a Tempo search link uses the HTTP search API with unix-second bounds', () => {
    const url = new URL(tempoSearchUrl('http://tempo:3200', '{ status = error }', 10.5, 20.2));
    expect(url.pathname).toBe('/api/search');
    expect(url.searchParams.get('q')).toBe('{ status = error }');
    expect([url.searchParams.get('start'), url.searchParams.get('end')]).toEqual(['10', '21']);
  });
});

describe('worst windows and merging', () => {
  const ws: WindowCounts[] = [0.99, 0.95, 0.999, 0.95, 0.9].map((sli, i) => ({ start: i * 10, end: i * 10 + 10, total: 1000, errors: Math.round((1 - sli) * 1000) }));
  it('orders by SLI, most recent first on ties', () => {
    const worst = worstWindows(ws, (w) => 1 - w.errors / w.total, 3);
    expect(worst.map((x) => x.w.start)).toEqual([40, 30, 10]);
  });

  it('keeps what a stable full sort would keep: ties on SLI and start, windows without an SLI, any count', () => {
    // worstWindows keeps its top windows by insertion; the reference sorts them all.
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const n = Math.floor(next() * 12);
      // Few distinct SLIs and starts, so ties on both are common; errors === total marks "no SLI".
      const windows: WindowCounts[] = Array.from({ length: n }, () => ({ start: Math.floor(next() * 4), end: 10, total: 10, errors: Math.floor(next() * 4) }));
      const sliOf = (w: WindowCounts) => (w.errors === 3 ? null : 1 - w.errors / w.total);
      const reference = windows
        .flatMap((w) => { const sli = sliOf(w); return sli === null ? [] : [{ w, sli }]; })
        .sort((a, b) => a.sli - b.sli || b.w.start - a.w.start);
      for (const count of [0, 1, 3, 20]) {
        const got = worstWindows(windows, sliOf, count);
        expect(got.map((x) => windows.indexOf(x.w))).toEqual(reference.slice(0, count).map((x) => windows.indexOf(x.w)));
      }
    }
  });

  it('merges identical evidence and unions the variants it backs', () => {
    const e = { kind: 'exemplar' as const, description: 'trace x', traceId: 'x' };
    const merged = mergeEvidence([{ ...e, variants: ['balanced'] }, { ...e, variants: ['aggressive'] }, { ...e, traceId: 'y', description: 'trace y', variants: ['balanced'] }]);
    expect(merged).toHaveLength(2);
    expect(merged[0]!.variants).toEqual(['balanced', 'aggressive']);
  });
});
