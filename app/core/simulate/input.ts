import type { EndpointHistory, LatencyCounts, WindowCounts } from '../types.js';
import type { Proposal, Report, SliKind, VariantType } from '../report.js';
import { parseDuration } from '../time.js';
import type { BasisWindow, SimulationBasis, VersionBehaviour } from './basis.js';
import { configuredCapacity, deconvolveService, fitCapacity, type LoadGroup } from './fit.js';

/** One SLO ready to simulate: its variants and the model fitted from its history. */
export interface SloSimulationInput {
  sloId: string;
  service: string;
  endpoint: string | null;
  sli: SliKind;
  variants: Array<{ type: VariantType; target: number; thresholdSeconds: number | null }>;
  basis: SimulationBasis;
}

export interface SimulationInput {
  slos: SloSimulationInput[];
}

export interface BasisOptions {
  /** SLO period the budget is written for, seconds (default 28 days). */
  periodSeconds?: number;
  /** Known per-replica capacity (requests/s); skips the fit. */
  capacityPerReplica?: number;
  /** Peak utilisation assumed when history cannot identify the capacity (default 0.5). */
  assumedPeakUtilisation?: number;
}

const DEFAULT_PERIOD = 28 * 86_400;
/** 7 significant digits: far below the model's error, and keeps report.json small. */
const compact = (x: number): number => (Number.isInteger(x) ? x : Number(x.toPrecision(7)));
/** Load groups merge steps whose per-replica load differs by less than this factor. */
const LOAD_GROUP_RATIO = 1.03;

/** Counts at `thresholds` from counts on another grid (linear between bounds, as histogram_quantile does). */
function countsAt(latency: LatencyCounts, total: number, thresholds: number[]): number[] {
  const same = latency.thresholds.length === thresholds.length && latency.thresholds.every((t, i) => t === thresholds[i]);
  if (same) return latency.goodCounts.slice();
  return thresholds.map((x) => {
    let lower = 0;
    let lowerCount = 0;
    for (let i = 0; i < latency.thresholds.length; i++) {
      const upper = latency.thresholds[i]!;
      const count = latency.goodCounts[i]!;
      if (x <= upper) return lowerCount + ((count - lowerCount) * (x - lower)) / (upper - lower || 1);
      lower = upper;
      lowerCount = count;
    }
    return Math.min(total, lowerCount);
  });
}

function spanAt<T extends { start: number; end: number }>(spans: T[] | undefined, t: number): T[] {
  return (spans ?? []).filter((s) => s.start <= t && t < s.end);
}

interface Step { requests: number; errors: number; replicas: number; version: number; cdf: number[] | null; }

/**
 * Build the simulation basis of one endpoint: per-step load, replicas and version inside each
 * breach window, the fitted per-replica capacity, and each version's service-time distribution.
 * Returns null when the history has no traffic (nothing to simulate: a result, not an error).
 */
export function simulationBasisFromHistory(history: EndpointHistory, options: BasisOptions = {}): SimulationBasis | null {
  const windows = history.windows.filter((w) => w.total > 0);
  if (windows.length === 0) return null;
  const breachWindowSeconds = windows[0]!.end - windows[0]!.start;
  const thresholds = windows.find((w) => w.latency)?.latency?.thresholds.slice() ?? [];
  const hourly = (history.hourly ?? []).filter((h) => h.end > h.start).sort((a, b) => a.start - b.start);
  const stepSeconds = hourly.length > 0 ? hourly[0]!.end - hourly[0]!.start : breachWindowSeconds;
  const names = [...new Set((history.versions ?? []).map((v) => v.version))];
  const replicasKnown = (history.replicas ?? []).length > 0;

  const replicasAt = (t: number): number => {
    const here = spanAt(history.replicas, t)[0];
    if (here) return Math.max(1, here.count);
    const before = (history.replicas ?? []).filter((r) => r.end <= t).sort((a, b) => b.end - a.end)[0];
    return Math.max(1, before?.count ?? history.replicas?.[0]?.count ?? 1);
  };
  const versionAt = (t: number): number => {
    const live = new Set(spanAt(history.versions, t).map((v) => v.version));
    return live.size === 1 ? names.indexOf([...live][0]!) : -1;
  };
  const toStep = (c: WindowCounts): Step => {
    const mid = (c.start + c.end) / 2;
    const cdf = c.latency && c.total > 0 ? countsAt(c.latency, c.total, thresholds).map((g) => g / c.total) : null;
    return { requests: c.total, errors: c.errors, replicas: replicasAt(mid), version: versionAt(mid), cdf };
  };

  const basisWindows: BasisWindow[] = [];
  const allSteps: Step[] = [];
  let cursor = 0;
  for (const w of windows) {
    while (cursor < hourly.length && hourly[cursor]!.start < w.start) cursor++;
    const inside: WindowCounts[] = [];
    while (cursor < hourly.length && hourly[cursor]!.start < w.end) inside.push(hourly[cursor++]!);
    // A window without hourly data is one step of average load: scale its counts to the step length.
    const scale = stepSeconds / breachWindowSeconds;
    const steps = inside.length > 0 ? inside.map(toStep) : [w].map(toStep).map((s) => ({ ...s, requests: s.requests * scale, errors: s.errors * scale }));
    allSteps.push(...steps);
    basisWindows.push({
      start: w.start,
      total: w.total,
      errors: w.errors,
      good: w.latency ? countsAt(w.latency, w.total, thresholds) : thresholds.map(() => w.total),
      requests: steps.map((s) => compact(s.requests)),
      replicas: steps.map((s) => s.replicas),
      version: steps.map((s) => s.version),
    });
  }

  const groupsOf = (steps: Step[]): LoadGroup[] => {
    const byKey = new Map<string, LoadGroup>();
    for (const s of steps) {
      if (!s.cdf || s.requests <= 0) continue;
      const lambda = s.requests / stepSeconds;
      const key = `${s.replicas}:${Math.round(Math.log(lambda / s.replicas) / Math.log(LOAD_GROUP_RATIO))}`;
      const g = byKey.get(key);
      if (!g) {
        byKey.set(key, { lambda, replicas: s.replicas, requests: s.requests, cdf: s.cdf.slice() });
        continue;
      }
      const n = g.requests + s.requests;
      g.lambda = (g.lambda * g.requests + lambda * s.requests) / n;
      g.cdf = g.cdf.map((v, j) => (v * g.requests + s.cdf![j]! * s.requests) / n);
      g.requests = n;
    }
    return [...byKey.values()];
  };

  const allGroups = groupsOf(allSteps);
  const peakPerReplica = Math.max(0, ...allSteps.map((s) => s.requests / stepSeconds / s.replicas));
  const fit = options.capacityPerReplica
    ? configuredCapacity(allGroups, thresholds, options.capacityPerReplica, peakPerReplica)
    : fitCapacity(allGroups, thresholds, options.assumedPeakUtilisation ?? 0.5, peakPerReplica);

  const behaviour = (name: string, steps: Step[], firstSeen: number): VersionBehaviour => {
    const requests = steps.reduce((s, x) => s + x.requests, 0);
    const groups = groupsOf(steps);
    return {
      name,
      serviceCdf: thresholds.length > 0 && groups.length > 0 ? deconvolveService(groups, thresholds, fit).map(compact) : thresholds.map(() => 1),
      errorRatio: requests > 0 ? steps.reduce((s, x) => s + x.errors, 0) / requests : 0,
      requests,
      steps: steps.length,
      firstSeen,
    };
  };
  const versions = names.map((name, i) => behaviour(
    name,
    allSteps.filter((s) => s.version === i),
    Math.min(...(history.versions ?? []).filter((v) => v.version === name).map((v) => v.start)),
  ));

  return {
    model: 'mmc-erlang-c/v1',
    stepSeconds,
    breachWindowSeconds,
    periodSeconds: options.periodSeconds ?? DEFAULT_PERIOD,
    thresholds,
    capacityPerReplica: fit.capacityPerReplica,
    serversPerReplica: fit.serversPerReplica,
    serviceRate: fit.serviceRate,
    capacitySource: fit.source,
    replicasKnown,
    pooled: behaviour('(all)', allSteps, windows[0]!.start),
    versions,
    windows: basisWindows,
  };
}

function sloInput(proposal: Proposal, basis: SimulationBasis): SloSimulationInput {
  return {
    sloId: proposal.sloId,
    service: proposal.service,
    endpoint: proposal.endpoint,
    sli: proposal.sli,
    variants: proposal.variants.map((v) => ({ type: v.type, target: v.target, thresholdSeconds: v.thresholdSeconds })),
    basis,
  };
}

/** Pair proposals with the histories they were made from (same service and endpoint) and fit each basis once. */
export function simulationInputFromHistories(histories: EndpointHistory[], proposals: Proposal[], options: BasisOptions = {}): SimulationInput {
  const cache = new Map<EndpointHistory, SimulationBasis | null>();
  const slos: SloSimulationInput[] = [];
  for (const p of proposals) {
    const history = histories.find((h) => h.service === p.service && h.endpoint === p.endpoint);
    if (!history) continue;
    if (!cache.has(history)) cache.set(history, simulationBasisFromHistory(history, options));
    const basis = cache.get(history);
    if (basis) slos.push(sloInput(p, basis));
  }
  return { slos };
}

/** The SLOs of a report.json whose proposals carry a `simulationBasis` (added by the analysis pipeline). */
export function simulationInputFromReport(report: Report): SimulationInput {
  const period = report.period ?? report.window;
  const periodSeconds = period ? parseDuration(period) : undefined;
  const slos: SloSimulationInput[] = [];
  for (const p of report.proposals) {
    const basis = p.simulationBasis;
    if (basis) slos.push(sloInput(p, periodSeconds ? { ...basis, periodSeconds } : basis));
  }
  return { slos };
}
