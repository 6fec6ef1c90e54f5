/**
 * Pipeline step: replay the page and ticket alerts the PR would install, for each SLO's selected
 * variant, over the analysed history (issue 11 §5). The source provides the rules' two series at the
 * replay step; the arithmetic is app/core/alerts (Prometheus' rate, the multiwindow conditions).
 */
import { counterFromIncrements, episodes, replayAlerts, type Episode } from './core/alerts/replay.js';
import type { AlertReplay, Proposal } from './core/report.js';
import { parseDuration } from './core/time.js';
import { burnWindows } from './export/burnrate.js';
import { queriesFor, tidy } from './export/common.js';
import type { AnalysisStep } from './pipeline.js';

/** The page rule's short window (5 m) is the finest the rules resolve; a real 1 m evaluation can fire up to 4 minutes apart. */
export const REPLAY_STEP_SECONDS = 300;
const MAX_EPISODES = 10;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

function graphLink(p: Proposal, links: { prometheusUrl?: string } | undefined, e: Episode): string | undefined {
  if (!links?.prometheusUrl || !p.queries) return undefined;
  const pad = Math.max(3600, (e.end - e.start) / 2);
  const expr = `(${p.queries.bad.split('{{.window}}').join('5m')}) / (${p.queries.total.split('{{.window}}').join('5m')})`;
  const q = new URLSearchParams({ 'g0.expr': expr, 'g0.tab': '0', 'g0.range_input': `${Math.ceil((e.end - e.start + 2 * pad) / 3600)}h`, 'g0.end_input': iso(e.end + pad).replace('T', ' ').replace('Z', '') });
  return `${links.prometheusUrl.replace(/\/+$/, '')}/graph?${q.toString()}`;
}

export function summarizeReplay(p: Proposal, firing: { severity: 'page' | 'ticket'; firing: number[] }[], step: number, from: number, to: number, links?: { prometheusUrl?: string }): AlertReplay {
  const variant = p.variants.find((v) => v.type === p.selectedVariant)!;
  const weeks = Math.max(1e-9, (to - from) / (7 * 86_400));
  const eps = Object.fromEntries(firing.map((f) => [f.severity, episodes(f.firing, step)])) as Record<'page' | 'ticket', Episode[]>;
  const fired = (list: Episode[]) => ({
    fired: list.length,
    firingHours: Math.round((list.reduce((s, e) => s + e.end - e.start, 0) / 3600) * 100) / 100,
    perWeek: Math.round((list.length / weeks) * 100) / 100,
    episodes: list.slice(0, MAX_EPISODES).map((e) => {
      const url = graphLink(p, links, e);
      return { start: iso(e.start), end: iso(e.end), ...(url ? { url } : {}) };
    }),
  });
  const badWindows = (p.history ?? []).flatMap((h) => {
    const sli = h.sli[variant.type];
    if (Date.parse(h.end) / 1000 <= from) return [];
    if (sli === null || sli === undefined || sli >= variant.target / 100 - 1e-12) return [];
    const s = Date.parse(h.start) / 1000;
    const e = Date.parse(h.end) / 1000;
    const caughtBy = (['page', 'ticket'] as const).filter((sev) => eps[sev].some((x) => x.start < e && x.end > s));
    return [{ start: h.start, end: h.end, caughtBy }];
  });
  return { variant: variant.type, stepSeconds: step, from: iso(from), to: iso(to), page: fired(eps.page), ticket: fired(eps.ticket), badWindows };
}

export const alertReplayStep: AnalysisStep = {
  name: 'alert-replay',
  async run({ report, deps, options, logger }) {
    const source = deps.source;
    if (!source.fetchAlertSeries) return;
    const period = options.periodSeconds ?? options.windowSeconds;
    const pairs = burnWindows(period).map((x) => ({ severity: x.severity, longSeconds: parseDuration(x.long), shortSeconds: parseDuration(x.short), factor: x.factor }));
    const start = options.end - options.windowSeconds;
    let replayed = 0;
    // Fetched together: the client caps concurrent queries, so this overlaps waiting without flooding.
    const fetchStarted = performance.now();
    const fetched = await Promise.all(report.proposals.map(async (p) => {
      const variant = p.variants.find((v) => v.type === p.selectedVariant);
      if (!variant) return null;
      try {
        return await source.fetchAlertSeries!({
          service: p.service, endpoint: p.endpoint, sli: p.sli, thresholdSeconds: variant.thresholdSeconds,
          queries: queriesFor(p, variant.type), start, end: options.end, step: REPLAY_STEP_SECONDS,
        });
      } catch (err) {
        // The replay is an extra: a failed query leaves this SLO without one, not the analysis without a report.
        logger.warn({ sloId: p.sloId, err: (err as Error).message }, 'alert replay series not fetched');
        return null;
      }
    }));
    // Count this phase as waiting on the datasource (it is almost all query time), so the run's
    // timings say where the time went: two range queries per SLO add up on a large fleet.
    if (report.timings) {
      report.timings = { ...report.timings, prometheusSeconds: report.timings.prometheusSeconds + (performance.now() - fetchStarted) / 1000, queries: report.timings.queries + 2 * fetched.filter((f) => f !== null).length };
    }
    for (const [i, p] of report.proposals.entries()) {
      const series = fetched[i];
      const variant = p.variants.find((v) => v.type === p.selectedVariant);
      if (!series || !variant) continue;
      const bad = counterFromIncrements(series.t0, series.step, series.bad);
      const total = counterFromIncrements(series.t0, series.step, series.total);
      // The same budget the rules compare against (1 − objective, as the exporter rounds it).
      const budget = tidy(1 - tidy(variant.target / 100));
      // Evaluate once the longest window (3d) is full of data: earlier, a ratio over a few hours stands in
      // for a day's and fires where the installed rules (with history before the range) would not.
      const longest = Math.max(...pairs.map((x) => x.longSeconds));
      const from = series.t0 + Math.ceil(longest / series.step) * series.step;
      const to = series.t0 + series.step * series.bad.length;
      if (from >= to) continue;
      const firing = replayAlerts({ bad: { plus: [bad], minus: [] }, total: [total] }, pairs, budget, from, to, series.step);
      p.alertReplay = summarizeReplay(p, firing, series.step, from, to, options.links);
      replayed++;
    }
    logger.info({ proposals: replayed }, 'alerts replayed');
  },
};
