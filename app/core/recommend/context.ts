import { defaultOtelSource } from '../sli/promql.js';
import { mean, median } from '../sli/stats.js';
import type { EndpointHistory, SliSource, WindowCounts } from '../types.js';
import { DEFAULT_EXCLUDE, ROUTES_EXCLUDE_HINT, type ResolvedOptions } from './options.js';

/** Fewer windows than this cannot say anything about a per-window breach rate. */
export const MIN_WINDOWS = 3;

/** What every SLI of one endpoint shares: the windows in range, recency weights, volumes. */
export interface EndpointContext {
  h: EndpointHistory;
  o: ResolvedOptions;
  analysisStart: number;
  /** Windows inside [end − window, end), time order, including zero-traffic ones. */
  windows: WindowCounts[];
  /** Windows with traffic. */
  present: WindowCounts[];
  /** Recency weight per present window: 0.5^(age / half-life), age measured to the window end. */
  weights: number[];
  medianTotal: number;
  meanTotal: number;
  expectedWindows: number;
  periodWindows: number;
  source: SliSource;
  sloBase: string;
}

export function endpointContext(h: EndpointHistory, o: ResolvedOptions): EndpointContext | { skip: string } {
  if (h.endpoint !== null) {
    const hit = o.exclude.find((re) => re.test(h.endpoint!));
    if (hit) {
      // The default pattern is long; name it instead of dumping it into every PR table row.
      const isDefault = o.exclude.length === DEFAULT_EXCLUDE.length && o.exclude.every((re, i) => re.source === new RegExp(DEFAULT_EXCLUDE[i]!).source);
      // Name the key as users write it in .slo-scout.yml, not the internal option.
      return {
        skip: isDefault
          ? `health-check or infrastructure route (matches the default health-check pattern); not an SLO candidate — ${ROUTES_EXCLUDE_HINT}`
          : `excluded route (matches routes.exclude /${hit.source}/); to analyse it, remove that pattern from routes.exclude in .slo-scout.yml`,
      };
    }
  }
  const analysisStart = o.end - o.windowSeconds;
  const windows = h.windows.filter((w) => w.start >= analysisStart - 1e-6 && w.end <= o.end + 1e-6).sort((a, b) => a.start - b.start);
  const present = windows.filter((w) => w.total > 0);
  if (present.length < MIN_WINDOWS) {
    return { skip: `only ${present.length} evaluation window${present.length === 1 ? '' : 's'} with traffic in the analysed range; at least ${MIN_WINDOWS} are needed` };
  }
  const totals = present.map((w) => w.total);
  return {
    h,
    o,
    analysisStart,
    windows,
    present,
    weights: present.map((w) => 0.5 ** (Math.max(0, o.end - w.end) / o.halfLife)),
    medianTotal: median(totals),
    meanTotal: mean(totals),
    expectedWindows: Math.round(o.windowSeconds / o.breachWindowSeconds),
    periodWindows: Math.max(1, Math.round(o.periodSeconds / o.breachWindowSeconds)),
    source: h.source ?? defaultOtelSource(h.service, h.endpoint),
    sloBase: h.endpoint === null ? slug(h.service) : `${slug(h.service)}-${slug(h.endpoint)}`,
  };
}

/** DNS-label-safe slug: lowercase letters, digits and dashes ("/users/{id}" -> "users-id", "/" -> "root"). */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'root' : s;
}

/**
 * `<service>-<endpoint-slug>-<sli>`, at most 63 characters (one DNS label, a Kubernetes name).
 * Long names keep their head and get a short stable hash so two long routes cannot collide.
 */
export function sloIdFor(base: string, sli: string): string {
  const id = `${base}-${sli}`;
  if (id.length <= 63) return id;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  const suffix = (h >>> 0).toString(36).padStart(7, '0').slice(0, 7);
  const head = `${base}`.slice(0, 63 - sli.length - suffix.length - 2).replace(/-+$/, '');
  return `${head}-${suffix}-${sli}`;
}
