/**
 * Issue 13 gap: `routes.exclude` replaces the built-in health-check exclusion instead of adding to
 * it. Before, the core's own default still skipped /healthz after a user had set `routes.exclude`,
 * and told them to set the key they had already set.
 */
import { describe, expect, it } from 'vitest';
import { DAY, fleetHistories } from '../../app/core/fleet/index.js';
import { recommend } from '../../app/core/recommend/index.js';
import { SloScoutConfig } from '../../app/config/schema.js';
import { DEFAULT_ROUTE_EXCLUDE } from '../../app/config/analysis.js';
import { analysisOptionsFromConfig } from '../../app/pipeline.js';
import { endpointFilter } from '../../app/telemetry/filters.js';

const end = Date.UTC(2026, 10, 28) / 1000;
const histories = fleetHistories({ seed: 3, end, days: 28, stepSeconds: 3600 }, { breachWindowSeconds: DAY }).filter((h) => h.service === 'cart');
const probes = histories.filter((h) => h.endpoint === '/healthz' || h.endpoint === '/livez').map((h) => h.endpoint);

describe('routes.exclude replaces the default health-check exclusion', () => {
  it('without routes.exclude, health checks are skipped with a reason that names the key and how to re-include them', () => {
    expect(probes.length).toBeGreaterThan(0);
    const r = recommend(histories, analysisOptionsFromConfig(SloScoutConfig.parse({}), end));
    const skipped = r.skipped.filter((s) => probes.includes(s.endpoint));
    expect(skipped.map((s) => s.endpoint).sort()).toEqual([...probes].sort());
    for (const s of skipped) expect(s.reason).toMatch(/set routes\.exclude in \.slo-scout\.yml: your list replaces the default health-check exclusion \(routes\.exclude: \[\] analyses every route\)/);
  });

  it.each([
    ['an own list', ['/cart/items']],
    ['an empty list', []],
  ])('with %s, the core no longer skips health checks on its own', (_name, exclude) => {
    const r = recommend(histories, analysisOptionsFromConfig(SloScoutConfig.parse({ routes: { exclude } }), end));
    expect(r.skipped.filter((s) => probes.includes(s.endpoint))).toEqual([]);
    for (const probe of probes) expect(r.proposals.some((p) => p.endpoint === probe)).toBe(true);
  });
});

describe('the sources\' route filter (Prometheus and the OTLP store share it)', () => {
  const filter = (routes: { include?: string[]; exclude?: string[] }) => endpointFilter({ routes, defaultRouteExclude: DEFAULT_ROUTE_EXCLUDE });

  it('applies the default globs only while routes.exclude is absent, and says which key replaces them', () => {
    expect(filter({})('cart', '/healthz')).toBe('route excluded by the default health-check pattern **/health*; to analyse it, set routes.exclude in .slo-scout.yml: your list replaces the default health-check exclusion (routes.exclude: [] analyses every route)');
    expect(filter({})('cart', '/cart/items')).toBeNull();
  });

  it('an own routes.exclude is the whole list: health checks pass, the user\'s patterns skip', () => {
    const own = filter({ exclude: ['/internal/**'] });
    expect(own('cart', '/healthz')).toBeNull();
    expect(own('cart', '/internal/debug')).toBe('route excluded by pattern /internal/**');
    expect(filter({ exclude: [] })('cart', '/healthz')).toBeNull();
  });

  it('service filters come first, and a route-less endpoint is never route-filtered', () => {
    const f = endpointFilter({ services: { exclude: ['*-canary'] }, defaultRouteExclude: DEFAULT_ROUTE_EXCLUDE });
    expect(f('pay-canary', '/healthz')).toBe('service excluded by pattern *-canary');
    expect(f('pay', null)).toBeNull();
  });
});
