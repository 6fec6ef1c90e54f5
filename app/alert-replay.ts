/**
 * Pipeline step: replay the page and ticket alerts the PR would install, for each SLO's selected
 * variant, over the analysed history (issue 11 §5). The source provides the rules' two series at the
 * replay step; the arithmetic is app/core/alerts (Prometheus' rate, the multiwindow conditions).
 */
import { counterFromIncrements, episodes, replayAlerts, type Episode } from './core/alerts/replay.js';
import { mayFire } from './core/alerts/screen.js';
import type { AlertReplay, Proposal } from './core/report.js';
import type { AlertSeriesRequest } from './telemetry/source.js';
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

/** SLOs whose series are fetched at once: the replay of one group runs while the next group's queries are out. */
const SLOS_PER_FETCH = 200;
/** The screen's blocks: an hour of 5-minute steps, which tiles every long window of the rules (1h, 6h, 1d, 3d). */
const SCREEN_BLOCK_STEPS = 3600 / REPLAY_STEP_SECONDS;
/** Default of analysis.alertReplay.maxSlos: above it the replay's queries and memory grow with every SLO. */
export const DEFAULT_MAX_REPLAYED_SLOS = 1000;

export const alertReplayStep: AnalysisStep = {
  name: 'alert-replay',
  async run({ report, deps, options, logger, timing }) {
    const source = deps.source;
    const settings = options.alertReplay ?? {};
    const skipped: Array<{ reason: string; slos: number }> = [];
    const summary = () => ({ replayed, ...(screened ? { screened } : {}), ...(skipped.length ? { skipped } : {}) });
    let replayed = 0;
    let screened = 0;
    if (settings.enabled === false) {
      report.alertReplay = { replayed: 0, skipped: [{ reason: 'alert replay switched off (--no-alert-replay or analysis.alertReplay.enabled: false)', slos: report.proposals.length }] };
      return;
    }
    if (!source.fetchAlertSeries) {
      report.alertReplay = { replayed: 0, skipped: [{ reason: `${source.name} cannot provide the rules' series at ${REPLAY_STEP_SECONDS / 60}-minute resolution`, slos: report.proposals.length }] };
      return;
    }
    const max = settings.maxSlos ?? DEFAULT_MAX_REPLAYED_SLOS;
    const chosen = report.proposals.slice(0, max);
    if (report.proposals.length > max) {
      skipped.push({ reason: `only the first ${max} SLOs are replayed (analysis.alertReplay.maxSlos)`, slos: report.proposals.length - max });
    }
    const period = options.periodSeconds ?? options.windowSeconds;
    const pairs = burnWindows(period).map((x) => ({ severity: x.severity, longSeconds: parseDuration(x.long), shortSeconds: parseDuration(x.short), factor: x.factor }));
    const longest = Math.max(...pairs.map((x) => x.longSeconds));
    const start = options.end - options.windowSeconds;
    let noData = 0;
    let failed = 0;
    const requestOf = (p: Proposal): AlertSeriesRequest => {
      const variant = p.variants.find((v) => v.type === p.selectedVariant)!;
      return { service: p.service, endpoint: p.endpoint, sli: p.sli, thresholdSeconds: variant.thresholdSeconds, queries: queriesFor(p, variant.type), start, end: options.end, step: REPLAY_STEP_SECONDS };
    };
    const fetchGroup = (group: Proposal[]) => source.fetchAlertSeries!(group.map(requestOf));
    let replayable = chosen.filter((p) => p.variants.some((v) => v.type === p.selectedVariant));
    // A cheap probe first: the SLOs of services scraped too rarely for a 5m rate are not fetched at all
    // (at 1 h samples every 28-day fetch would come back empty). They count as no data, as an empty fetch would.
    if (source.probeAlertSeries && replayable.length) {
      const probe = await source.probeAlertSeries(replayable.map(requestOf)).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'alert replay density probe failed; fetching every SLO\'s series');
        return undefined;
      });
      if (probe) {
        timing.wait(probe.stats);
        noData += probe.dense.filter((d) => !d).length;
        replayable = replayable.filter((_, i) => probe.dense[i]);
      }
    }
    // Then a screen (app/core/alerts/screen.ts): hourly block sums of the same series prove that most
    // SLOs cannot fire; those get the replay's result (no firing) without their 5-minute series. A
    // failed screen, or an SLO it cannot tell about, is fetched in full as before.
    if (source.screenAlertSeries && settings.screen === true && replayable.length) {
      const screen = await source.screenAlertSeries(replayable.map(requestOf), SCREEN_BLOCK_STEPS).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'alert replay screen failed; fetching every SLO\'s series');
        return undefined;
      });
      if (screen) {
        timing.wait(screen.stats);
        const steps = Math.floor((options.end - start) / REPLAY_STEP_SECONDS);
        const fromStep = Math.ceil(longest / REPLAY_STEP_SECONDS);
        replayable = replayable.filter((p, i) => {
          const blocks = screen.blocks[i];
          if (!blocks || blocks instanceof Error || fromStep >= steps || blocks.step !== REPLAY_STEP_SECONDS || blocks.t0 !== start) return true;
          if (mayFire(blocks, pairs, budgetOf(p), fromStep, steps)) return true;
          // What the full replay reports for an SLO that never fires: the same range, no episode.
          const none = [{ severity: 'page' as const, firing: [] }, { severity: 'ticket' as const, firing: [] }];
          p.alertReplay = summarizeReplay(p, none, REPLAY_STEP_SECONDS, start + fromStep * REPLAY_STEP_SECONDS, start + steps * REPLAY_STEP_SECONDS, options.links);
          replayed++;
          screened++;
          return false;
        });
      }
    }
    const groups: Proposal[][] = [];
    for (let i = 0; i < replayable.length; i += SLOS_PER_FETCH) groups.push(replayable.slice(i, i + SLOS_PER_FETCH));
    // Group i+1's queries are in flight while group i is replayed (CPU), so the two overlap.
    let next = groups.length ? fetchGroup(groups[0]!) : undefined;
    for (let g = 0; g < groups.length; g++) {
      const result = await next!;
      next = g + 1 < groups.length ? fetchGroup(groups[g + 1]!) : undefined;
      timing.wait(result.stats);
      for (const [i, p] of groups[g]!.entries()) {
        const series = result.series[i];
        if (series instanceof Error) {
          // The replay is an extra: a failed query leaves this SLO without one, not the analysis without a report.
          logger.warn({ sloId: p.sloId, err: series.message }, 'alert replay series not fetched');
          failed++;
          continue;
        }
        if (!series || !hasData(series.total)) {
          noData++;
          continue;
        }
        const bad = counterFromIncrements(series.t0, series.step, series.bad);
        const total = counterFromIncrements(series.t0, series.step, series.total);
        const budget = budgetOf(p);
        // Evaluate once the longest window (3d) is full of data: earlier, a ratio over a few hours stands in
        // for a day's and fires where the installed rules (with history before the range) would not.
        const from = series.t0 + Math.ceil(longest / series.step) * series.step;
        const to = series.t0 + series.step * series.bad.length;
        if (from >= to) {
          noData++;
          continue;
        }
        const firing = replayAlerts({ bad: { plus: [bad], minus: [] }, total: [total] }, pairs, budget, from, to, series.step);
        p.alertReplay = summarizeReplay(p, firing, series.step, from, to, options.links);
        replayed++;
      }
    }
    const missing = chosen.length - replayed - noData - failed;
    if (noData) skipped.push({ reason: `no samples at the rules' ${REPLAY_STEP_SECONDS / 60}-minute resolution in ${source.name} (rate over ${REPLAY_STEP_SECONDS / 60}m needs two samples: a scrape interval of at most ${REPLAY_STEP_SECONDS / 120} minutes)`, slos: noData });
    if (failed) skipped.push({ reason: `the queries for their series failed in ${source.name} (see the warnings in the log)`, slos: failed });
    if (missing > 0) skipped.push({ reason: 'no selected variant to replay', slos: missing });
    report.alertReplay = summary();
    logger.info({ proposals: replayed, screened, skipped }, 'alerts replayed');
  },
};

/** The same budget the rules compare against (1 − objective, as the exporter rounds it). */
function budgetOf(p: Proposal): number {
  const variant = p.variants.find((v) => v.type === p.selectedVariant)!;
  return tidy(1 - tidy(variant.target / 100));
}

/** At least two steps with valid events: anything less gives no rate anywhere. */
function hasData(values: Float64Array): boolean {
  let n = 0;
  for (const v of values) if (!Number.isNaN(v) && ++n >= 2) return true;
  return false;
}
