import { beforeAll, describe, expect, it } from 'vitest';
import { DAY, OTEL_HTTP_BUCKETS, describeFleet, endpointHistory, fleetHistories } from '../../../app/core/fleet/index.js';
import { recommend, sloIdFor, slug, type RecommendOptions } from '../../../app/core/recommend/index.js';
import { Proposal as ProposalSchema, type Proposal } from '../../../app/core/report.js';
import { latencySli } from '../../../app/core/sli/window.js';
import type { EndpointHistory } from '../../../app/core/types.js';

const end = Date.UTC(2026, 10, 28) / 1000;
const options: RecommendOptions = {
  end,
  windowSeconds: 28 * DAY,
  breachWindowSeconds: DAY,
  links: { prometheusUrl: 'http://prometheus:9090', tempoUrl: 'http://tempo:3200' },
};

let histories: EndpointHistory[];
let result: ReturnType<typeof recommend>;
const get = (service: string, endpoint: string, sli: 'latency' | 'availability'): Proposal =>
  result.proposals.find((p) => p.service === service && p.endpoint === endpoint && p.sli === sli)!;

beforeAll(() => {
  histories = fleetHistories({ seed: 3, end, days: 28, stepSeconds: 600 }, { breachWindowSeconds: DAY, hourly: true });
  result = recommend(histories, options);
});

describe('recommend on the demo fleet', () => {
  it('produces proposals that satisfy the report.json contract', () => {
    expect(result.proposals.length).toBeGreaterThanOrEqual(40);
    for (const p of result.proposals) expect(() => ProposalSchema.parse(p)).not.toThrow();
  });

  it('always picks a latency threshold that is an existing bucket bound', () => {
    for (const p of result.proposals.filter((x) => x.sli === 'latency')) {
      for (const v of p.variants) expect(OTEL_HTTP_BUCKETS).toContain(v.thresholdSeconds);
    }
  });

  it('skips health checks with a reason, but not a business route that merely ends in /status', () => {
    const skipped = result.skipped.map((s) => s.endpoint);
    expect(skipped).toEqual(expect.arrayContaining(['/healthz', '/livez', '/readyz', '/metrics', '/ping']));
    expect(result.skipped.every((s) => /health-check/.test(s.reason))).toBe(true);
    expect(skipped).not.toContain('/checkout/{id}/status');
    expect(result.proposals.some((p) => p.endpoint === '/healthz')).toBe(false);
    expect(result.skipped[0]!.reason).toContain('the default health-check pattern');
  });

  it('lets excludeEndpoints replace the default pattern', () => {
    const some = histories.filter((h) => h.service === 'cart');
    const r = recommend(some, { ...options, excludeEndpoints: ['^/cart/items$'] });
    expect(r.skipped.map((x) => x.endpoint)).toEqual(['/cart/items']);
    expect(r.skipped[0]!.reason).toContain('routes.exclude /^\\/cart\\/items$/');
    expect(r.skipped[0]!.reason).not.toContain('excludeEndpoints');
    expect(r.proposals.some((p) => p.endpoint === '/livez')).toBe(true);
  });

  it('does not promise 99.9% on ~200 requests a day, and does not warn busy endpoints', () => {
    const low = get('legacy-reports', '/reports/daily', 'latency');
    // One slow request in 200 already breaches 99.9%: the conservative variant falls back to a promise it can keep.
    expect(low.variants[0]!.target).toBeLessThan(99.9);
    expect(low.variants[0]!.rationale).toMatch(/no riskier than the balanced one/);
    // Availability targets stay resolvable: at least one error per median window is allowed.
    for (const v of get('legacy-reports', '/reports/daily', 'availability').variants) expect((1 - v.target / 100) * 200).toBeGreaterThanOrEqual(0.5);
    expect(get('cart', '/cart', 'latency').warnings.some((w) => w.startsWith('Low traffic'))).toBe(false);
    expect(low.confidenceComponents.trafficVolume).toBeLessThan(get('cart', '/cart', 'latency').confidenceComponents.trafficVolume);
  });

  it('detects the regressing deploy, says so, and fits on the recent regime', () => {
    const p = get('payments', '/charge', 'latency');
    expect(p.warnings.find((w) => w.startsWith('Regime change'))).toMatch(/1\.\d+x slower.*v2\.4\.0/);
    const ev = p.evidence.find((e) => e.kind === 'regime-change')!;
    expect(ev.value).toBeGreaterThan(1.5);
    expect(p.variants[2]!.rationale).toMatch(/since the regime change/);
    // Fitting on the old regime alone would have promised a tighter threshold (aggressive: chosen by its goal alone).
    const deploy = histories.find((h) => h.endpoint === '/charge')!.versions![1]!.start;
    const oldEnd = Math.floor(deploy / DAY) * DAY;
    const before = recommend(histories.filter((h) => h.endpoint === '/charge'), { ...options, end: oldEnd, windowSeconds: 14 * DAY });
    const old = before.proposals.find((x) => x.sli === 'latency')!.variants.map((v) => v.thresholdSeconds!);
    const now = p.variants.map((v) => v.thresholdSeconds!);
    // The aggressive variant is chosen by its goal alone (never loosened for ordering): the slower regime needs a larger bound.
    expect(now[2]!).toBeGreaterThanOrEqual(old[2]!);
    expect(before.proposals[0]!.warnings.some((w) => w.startsWith('Regime change'))).toBe(false);
  });

  it('does not call a steady endpoint a regime change', () => {
    const flagged = result.proposals.filter((p) => p.warnings.some((w) => w.startsWith('Regime change')));
    expect(flagged.map((p) => p.endpoint)).toEqual(['/charge']);
  });

  it.each([
    ['gaps are warned with their count', 'catalog', '/products', /^Gaps: 2 of 28 1d windows have no data/],
    ['a new endpoint is warned', 'search', '/v2/suggest', /^New endpoint: only 5 days of data/],
    ['weekday/weekend seasonality is warned', 'auth', '/login', /^Seasonality: weekend traffic is \d+\.\d% lower/],
  ])('%s', (_name, service, endpoint, pattern) => {
    expect(get(service, endpoint, 'latency').warnings.some((w) => pattern.test(w))).toBe(true);
  });

  it('orders variants by risk: conservative has the lowest expected breach rate and budget burn, aggressive the highest', () => {
    for (const p of result.proposals) {
      const [c, b, a] = p.variants;
      expect(c!.expectedBreachRate).toBeLessThanOrEqual(b!.expectedBreachRate);
      expect(b!.expectedBreachRate).toBeLessThanOrEqual(a!.expectedBreachRate);
      expect(c!.budgetBurn!.expected).toBeLessThanOrEqual(b!.budgetBurn!.expected);
      expect(b!.budgetBurn!.expected).toBeLessThanOrEqual(a!.budgetBurn!.expected);
      if (p.sli === 'availability') {
        // Targets come from the observed availability: the safer variant promises less.
        expect(c!.target).toBeLessThanOrEqual(b!.target);
        expect(b!.target).toBeLessThanOrEqual(a!.target);
      }
    }
    // Not all alike: on a steady, busy endpoint the three availability targets differ.
    const cart = get('cart', '/cart/items', 'availability').variants.map((v) => v.target);
    expect(new Set(cart).size).toBe(3);
  });

  it('reports the budget burn of every variant with an interval around it and the burn of the past period', () => {
    for (const p of result.proposals) {
      for (const v of p.variants) {
        const b = v.budgetBurn!;
        expect(b.interval[0]).toBeLessThanOrEqual(b.expected);
        expect(b.interval[1]).toBeGreaterThanOrEqual(b.expected);
        expect(b.pastPeriods).toHaveLength(1);
      }
    }
    // The past period's burn is checkable from the history: bad / (valid × (1 − target)).
    const h = histories.find((x) => x.endpoint === '/cart')!;
    const v = get('cart', '/cart', 'availability').variants[1]!;
    const windows = h.windows.filter((w) => w.end <= end && w.start >= end - 28 * DAY);
    const consumed = windows.reduce((s, w) => s + w.errors, 0) / windows.reduce((s, w) => s + w.total, 0) / (1 - v.target / 100);
    expect(v.budgetBurn!.pastPeriods[0]!.consumed).toBeCloseTo(consumed, 3);
  });

  it('catches the growing service: a trend warning with figures, and a projected burn above today\'s', () => {
    const p = get('ledger', '/entries', 'latency');
    expect(p.trend?.traffic?.perWeek).toBeGreaterThan(0.05);
    expect(p.trend?.projected).toBe(true);
    expect(p.trend!.latencyFactor).toBeGreaterThan(1.05);
    const w = p.warnings.find((x) => x.startsWith('Trend'))!;
    expect(w).toMatch(/^Trend: traffic \+\d+\.\d%\/week since 2026-\d\d-\d\d\. The figures project it .* by 2026-12-26 \(expected breach rate [\d.]+% and budget burn \d+%, against [\d.]+% and \d+% if it stopped today\)\.$/);
    const [projected, today] = /budget burn (\d+)%, against [\d.]+% and (\d+)%/.exec(w)!.slice(1).map(Number);
    expect(projected).toBeGreaterThan(today!);
  });

  it('sees no trend in the steady services', () => {
    const flagged = result.proposals.filter((p) => p.trend && p.service !== 'ledger').map((p) => p.sloId);
    // The regressing deploy is a step, fitted separately; nothing else trends.
    expect(flagged.filter((id) => !id.startsWith('payments-charge'))).toEqual([]);
  });

  it('calibrates the intervals on rolling-origin replays of this history and says how often they held', () => {
    const c = result.calibration;
    expect(c.breach.replays).toBeGreaterThan(100);
    expect(c.burn.held).toBeGreaterThanOrEqual(0.85);
    expect(c.burn.held).toBeLessThanOrEqual(0.97);
    expect(c.weeks).toBe(2);
  });

  it('reports intervals that contain the point estimate, inside [0, 1], and never an upper bound of 0', () => {
    for (const p of result.proposals) {
      for (const v of p.variants) {
        const [lo, hi] = v.breachRateInterval;
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(lo).toBeLessThanOrEqual(v.expectedBreachRate);
        expect(hi).toBeGreaterThanOrEqual(v.expectedBreachRate);
        expect(hi).toBeGreaterThan(0);
        expect(hi).toBeLessThanOrEqual(1);
      }
      expect(p.breachRateMethod).toMatch(/moving-block bootstrap/);
    }
  });

  it('meets each variant goal in the recency-weighted history it was fitted on (threshold choice is checkable)', () => {
    const p = get('cart', '/cart/items', 'latency');
    const h = histories.find((x) => x.endpoint === '/cart/items')!;
    const b = p.variants[2]!;
    const met = h.windows.filter((w) => latencySli(w, b.thresholdSeconds!)! >= b.target / 100).length / h.windows.length;
    expect(met).toBeCloseTo(b.historicalCompliance, 10);
    expect(b.historicalCompliance).toBeGreaterThanOrEqual(0.8);
    const tighter = OTEL_HTTP_BUCKETS[OTEL_HTTP_BUCKETS.indexOf(b.thresholdSeconds!) - 1];
    if (tighter !== undefined) expect(b.rationale).toContain(`next bound down, ${tighter < 1 ? `${tighter * 1000} ms` : `${tighter} s`}`);
  });

  it('is deterministic for a seed and does not depend on the order of endpoints', () => {
    const again = recommend([...histories].reverse(), options);
    const byId = new Map(again.proposals.map((p) => [p.sloId, p]));
    for (const p of result.proposals) expect(byId.get(p.sloId)).toEqual(p);
  });

  it('gives every variant evidence: a computation, worst windows with graph links, and a Tempo search', () => {
    for (const p of result.proposals) {
      for (const v of p.variants) {
        const mine = p.evidence.filter((e) => !e.variants || e.variants.includes(v.type));
        expect(mine.some((e) => e.kind === 'computation')).toBe(true);
        const worst = mine.filter((e) => e.kind === 'worst-window');
        expect(worst.length).toBeGreaterThan(0);
        for (const e of worst) expect(e.url).toMatch(/^http:\/\/prometheus:9090\/graph\?g0\.expr=.+&g0\.range_input=2d&g0\.end_input=/);
        expect(mine.some((e) => e.kind === 'trace-search' && e.url!.startsWith('http://tempo:3200/api/search?q='))).toBe(true);
      }
    }
  });

  it('cites exemplar traces from inside the worst windows, slower than the threshold', () => {
    const p = get('payments', '/charge', 'latency');
    const ex = p.evidence.filter((e) => e.kind === 'exemplar');
    expect(ex.length).toBeGreaterThan(0);
    const windows = p.evidence.filter((e) => e.kind === 'worst-window');
    for (const e of ex) {
      expect(e.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(windows.some((w) => e.start! >= w.start! && e.start! < w.end!)).toBe(true);
      const threshold = Math.min(...p.variants.filter((v) => e.variants!.includes(v.type)).map((v) => v.thresholdSeconds!));
      expect(e.value!).toBeGreaterThan(threshold);
    }
  });

  it('cites failing requests as availability exemplars', () => {
    const ex = get('checkout', '/checkout', 'availability').evidence.filter((e) => e.kind === 'exemplar');
    expect(ex.length).toBeGreaterThan(0);
    expect(ex.every((e) => /failed request .*http_response_status_code=5\d\d/.test(e.description))).toBe(true);
  });

  it('scores a steady endpoint as stable and the regressed one as less stable across weeks', () => {
    expect(get('cart', '/cart', 'latency').confidenceComponents.stability).toBeGreaterThan(0.8);
    expect(get('payments', '/charge', 'latency').confidenceComponents.stability).toBeLessThan(get('cart', '/cart', 'latency').confidenceComponents.stability);
  });

  it('links to Grafana Explore instead of Prometheus when a Grafana URL is set', () => {
    const r = recommend(histories.filter((h) => h.endpoint === '/cart'), { ...options, links: { grafanaUrl: 'https://g.example', grafanaDatasourceUid: 'prom1' } });
    const urls = r.proposals[0]!.evidence.filter((e) => e.kind === 'worst-window').map((e) => e.url!);
    expect(urls.every((u) => u.startsWith('https://g.example/explore?') && u.includes('prom1'))).toBe(true);
  });

  it('emits PromQL for the selected threshold with the Sloth window placeholder', () => {
    const p = get('cart', '/cart', 'latency');
    const b = p.variants.find((v) => v.type === p.selectedVariant)!;
    expect(p.queries!.good).toContain(`le="${b.thresholdSeconds}"`);
    expect(p.queries!.total).toContain('[{{.window}}]');
    expect(get('cart', '/cart', 'availability').queries!.bad).toContain('http_response_status_code=~"5.."');
  });

  it('gives one history point per window with data, with each variant SLI in [0, 1]', () => {
    const p = get('catalog', '/products', 'latency');
    expect(p.history).toHaveLength(26);
    for (const pt of p.history!) for (const v of Object.values(pt.sli)) expect(v! >= 0 && v! <= 1).toBe(true);
  });

  it('scores confidence 0..1 and lower for a 5-day-old endpoint than for a steady one', () => {
    for (const p of result.proposals) {
      expect(p.confidence).toBeGreaterThan(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
    }
    expect(get('search', '/v2/suggest', 'latency').confidence).toBeLessThan(get('search', '/search', 'latency').confidence - 0.3);
  });

  it('computes the error budget from the target, the breach window and the period', () => {
    const v = get('cart', '/cart', 'latency').variants.find((x) => x.target === 99)!;
    expect(v.errorBudget.badFraction).toBeCloseTo(0.01, 10);
    expect(v.errorBudget.minutesPerWindow).toBeCloseTo(14.4, 10);
    expect(v.errorBudget.minutesPerPeriod).toBeCloseTo(403.2, 10);
  });
});

describe('hourly breach windows', () => {
  const spec = { seed: 3, end, days: 28, stepSeconds: 600 };
  const pick = describeFleet(spec).filter((e) => e.endpoint === '/charge' || e.endpoint === '/reports/daily');
  const r = recommend(pick.map((e) => endpointHistory(spec, e, { breachWindowSeconds: 3600 })), { ...options, breachWindowSeconds: 3600 });

  it('still finds the regime change (decided on daily aggregates) and fits on the hours since the deploy', () => {
    const p = r.proposals.find((x) => x.endpoint === '/charge' && x.sli === 'latency')!;
    const deploy = pick.find((e) => e.endpoint === '/charge')!.deploys[0]!.at;
    const fitted = Math.round((end - Math.ceil(deploy / 3600) * 3600) / 3600);
    expect(p.warnings.find((w) => w.startsWith('Regime change'))).toContain(`fitted on the ${fitted} 1h windows since`);
  });

  it('does not call quiet hours of a low-traffic service gaps, but warns about its traffic per window', () => {
    const p = r.proposals.find((x) => x.endpoint === '/reports/daily' && x.sli === 'latency')!;
    expect(p.warnings.some((w) => w.startsWith('Gaps'))).toBe(false);
    expect(p.warnings.find((w) => w.startsWith('Low traffic'))).toMatch(/per 1h window/);
    expect(p.breachRateMethod).toMatch(/of 672 1h windows/);
  });
});

describe('availability counting on a hand-made history', () => {
  const day = (i: number, total: number, errors: number) => ({ start: end - (10 - i) * DAY, end: end - (9 - i) * DAY, total, errors });
  // 10 windows of 10,000 requests; errors 0..9 except two bad days with 200 and 50 errors.
  const h: EndpointHistory = { service: 'svc', endpoint: '/x', windows: Array.from({ length: 10 }, (_, i) => day(i, 10_000, i === 3 ? 200 : i === 7 ? 50 : i)) };
  const r = recommend([h], { end, windowSeconds: 10 * DAY, breachWindowSeconds: DAY, percentiles: { conservative: 99.9, balanced: 99, aggressive: 95 }, complianceGoals: { conservative: 0.5, balanced: 0.5, aggressive: 0.5 } });
  const p = r.proposals.find((x) => x.sli === 'availability')!;

  it.each([
    // Sorted availabilities: 98.0, 99.5, 99.91 … 100. Weighted compliance puts 99.5 (day 7) above half.
    ['conservative: the strictest objective met on at least half the days with at most 50% expected burn', 'conservative', 0.5],
    ['balanced: at most 70% expected burn', 'balanced', 0.7],
    ['aggressive: at most 90% expected burn', 'aggressive', 0.9],
  ])('%s', (_name, type, cap) => {
    const v = p.variants.find((x) => x.type === type)!;
    const bad = h.windows.reduce((s, w) => s + w.errors, 0) / h.windows.reduce((s, w) => s + w.total, 0);
    const met = h.windows.filter((w) => 1 - w.errors / w.total >= v.target / 100 - 1e-12).length / h.windows.length;
    expect(v.historicalCompliance).toBeCloseTo(met, 10);
    // The burn cap binds here (two bad days): recency weighting aside, budget ≥ bad share / cap.
    expect(1 - v.target / 100).toBeGreaterThanOrEqual((bad / cap) * 0.5);
    expect(v.budgetBurn!.expected).toBeLessThanOrEqual(cap + 1e-9);
  });

  it('produces no latency proposal without latency data', () => {
    expect(r.proposals.map((x) => x.sli)).toEqual(['availability']);
  });

  it('reads availability targets off the observed per-window availability, not the configured percentiles', () => {
    const strict = recommend([h], { end, windowSeconds: 10 * DAY, breachWindowSeconds: DAY });
    const [c, , a] = strict.proposals[0]!.variants;
    expect(c!.pValue).toBe(c!.target);
    expect(c!.target).toBeLessThan(99.9);
    expect(c!.target).toBeLessThanOrEqual(a!.target);
    expect(c!.rationale).toMatch(/strictest objective on the ladder/);
  });

  it('skips an endpoint with fewer than 3 windows of traffic', () => {
    const r2 = recommend([{ ...h, windows: h.windows.slice(-2) }], { end, windowSeconds: 10 * DAY, breachWindowSeconds: DAY });
    expect(r2.proposals).toHaveLength(0);
    expect(r2.skipped[0]!.reason).toMatch(/only 2 evaluation windows/);
  });
});

describe('SLO ids', () => {
  it.each([
    ['a route with parameters', 'checkout', '/checkout/{id}/status', 'checkout-checkout-id-status-latency'],
    ['the root route', 'web', '/', 'web-root-latency'],
  ])('%s becomes a DNS-safe id', (_name, service, endpoint, id) => {
    expect(sloIdFor(`${slug(service)}-${slug(endpoint)}`, 'latency')).toBe(id);
  });

  it('long names stay within 63 characters and do not collide', () => {
    const a = sloIdFor(`svc-${'a'.repeat(80)}-one`, 'availability');
    const b = sloIdFor(`svc-${'a'.repeat(80)}-two`, 'availability');
    for (const id of [a, b]) expect(id).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(a).not.toBe(b);
  });
});
