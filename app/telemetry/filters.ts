/**
 * `services:` and `routes:` include/exclude globs of .slo-scout.yml, applied by every history
 * source the same way, with a skip reason that names the pattern (and, for the built-in
 * health-check globs, the key that replaces them).
 */
import picomatch from 'picomatch';
import { ROUTES_EXCLUDE_HINT } from '../core/recommend/options.js';

export interface EndpointFilterOptions {
  services?: { include?: string[]; exclude?: string[] };
  routes?: { include?: string[]; exclude?: string[] };
  /**
   * Route excludes applied only when `routes.exclude` is absent (the config layer passes the
   * health-check globs); `routes.exclude` replaces them, it does not add to them.
   */
  defaultRouteExclude?: string[];
}

type Verdict = { ok: boolean; reason?: string };

function globFilter(include: string[] | undefined, exclude: string[] | undefined, excludedBecause = (g: string) => `excluded by pattern ${g}`): (value: string) => Verdict {
  const inc = include && include.length > 0 ? picomatch(include, { dot: true }) : null;
  const excl = (exclude ?? []).map((g) => ({ g, m: picomatch(g, { dot: true }) }));
  return (value) => {
    if (inc && !inc(value)) return { ok: false, reason: `not matched by include patterns ${include!.join(', ')}` };
    const hit = excl.find((e) => e.m(value));
    return hit ? { ok: false, reason: excludedBecause(hit.g) } : { ok: true };
  };
}

/** null = keep the endpoint; otherwise the skip reason. `services` (a request's list) overrides services.include. */
export function endpointFilter(o: EndpointFilterOptions, services?: string[]): (service: string, route: string | null) => string | null {
  const svc = globFilter(services ?? o.services?.include, o.services?.exclude);
  const own = o.routes?.exclude;
  const route = own !== undefined || !o.defaultRouteExclude
    ? globFilter(o.routes?.include, own)
    : globFilter(o.routes?.include, o.defaultRouteExclude, (g) => `excluded by the default health-check pattern ${g}; ${ROUTES_EXCLUDE_HINT}`);
  return (service, endpoint) => {
    const s = svc(service);
    if (!s.ok) return `service ${s.reason}`;
    const r = endpoint === null ? { ok: true } : route(endpoint);
    return r.ok ? null : `route ${r.reason}`;
  };
}
