/**
 * The analysis pipeline shared by the CLI (`analyze`, `demo`) and the GitHub app's analyze worker:
 * datasource -> recommend (pure core) -> enrichment steps (Tempo evidence, what-if, ...) -> Report.
 */
import { aiRecommend, type AiLayer } from './ai/index.js';
import { recommend, servicesNeedingHourly, type RecommendOptions, type RecommendResult } from './core/recommend/index.js';
import { Report } from './core/report.js';
import { formatDuration, parseDuration } from './core/time.js';
import type { SloScoutConfig } from './config/schema.js';
import type { EndpointHistory } from './core/types.js';
import type { Clock } from './deps.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { HistorySource, SourceStats } from './telemetry/source.js';
import { PrometheusHistorySource } from './telemetry/prometheus/source.js';
import type { TempoClient } from './telemetry/tempo/client.js';
import { addTempoEvidence } from './telemetry/tempo/evidence.js';
import { setTimeout as delay } from 'node:timers/promises';
import { deadline, phaseLimit } from './deadline.js';
import { alertReplayStep } from './alert-replay.js';
import { sharedComputePool, type ComputePool } from './compute/pool.js';
import { recommendOnPool, whatIfOnPool } from './compute/fleet.js';
import type { PlainRecommendOptions } from './compute/tasks.js';
import { StreamedRecommend } from './compute/stream.js';
import { StreamedAiRecommend } from './ai/stream.js';
import type { TaskOptions } from './compute/pool.js';

export interface AnalysisDeps {
  source: HistorySource;
  tempo?: TempoClient;
  /** Criticality and borrowed priors (issue 15, app/ai); plain recommend without it. */
  ai?: AiLayer;
  logger?: Logger;
  clock: Clock;
  /** Where recommend and what-if run (app/compute/pool.ts); default the process's shared pool (SLO_SCOUT_COMPUTE_THREADS). */
  compute?: ComputePool;
}

export interface AnalysisProgress {
  phase: 'fetch' | 'recommend' | 'enrich';
  done: number;
  total: number;
}

export interface AnalysisOptions extends RecommendOptions {
  /** Restrict to these services (the source applies its own include/exclude otherwise). */
  services?: string[];
  /**
   * 1h series beside the breach windows (config analysis.hourly; the trend detection's queue model
   * and the simulator use them): true for every service, 'auto' only for the services with a
   * sustained traffic trend (the only ones whose proposals they change), false/absent never.
   */
  hourly?: boolean | 'auto';
  /** Extra steps run in order after recommend, e.g. the what-if simulator. */
  steps?: AnalysisStep[];
  tempoTracesPerProposal?: number;
  onProgress?: (p: AnalysisProgress) => void;
  /** Time limit of each CPU-bound phase (recommend, what-if), seconds; absent = none (the CLI). */
  computeSeconds?: number;
  /** The alert replay (config analysis.alertReplay): off, or capped at maxSlos SLOs (default 1000). */
  alertReplay?: { enabled?: boolean; maxSlos?: number; screen?: boolean };
}

/** A step that enriches the report in place; `histories` are what the recommender saw. */
export interface AnalysisStepContext {
  report: Report;
  histories: EndpointHistory[];
  deps: AnalysisDeps;
  options: AnalysisOptions;
  logger: Logger;
  /** Counts a step's waiting on the datasource (and its queries) in the run's timings. */
  timing: { wait(stats: SourceStats): void };
}
export interface AnalysisStep {
  name: string;
  run(ctx: AnalysisStepContext): Promise<void>;
}

/** Adds Tempo search hits for each proposal's worst window; a no-op without a Tempo client. */
export const tempoStep: AnalysisStep = {
  name: 'tempo-evidence',
  async run({ report, deps, options, logger }) {
    if (!deps.tempo) return;
    const r = await addTempoEvidence(report.proposals, deps.tempo, { logger, ...(options.tempoTracesPerProposal ? { tracesPerProposal: options.tempoTracesPerProposal } : {}) });
    logger.info(r, 'tempo evidence added');
  },
};

/** Adds the compact simulation basis and the default what-if scenarios to each proposal (issue 3), per service on the compute pool. */
export const whatIfStep: AnalysisStep = {
  name: 'what-if',
  async run({ report, histories, deps, options, logger }) {
    const limit = phaseLimit(options.computeSeconds, 'the what-if simulation of the analysis', WHAT_IF_HINT);
    limit.start();
    let parts;
    try {
      parts = await whatIfOnPool(deps.compute ?? sharedComputePool(), histories, report.proposals, options.periodSeconds ?? options.windowSeconds, limit);
    } finally {
      limit.clear();
    }
    for (const [i, p] of report.proposals.entries()) {
      const part = parts[i]!;
      if (part.basis) p.simulationBasis = part.basis;
      if (part.whatIf) p.whatIf = part.whatIf;
    }
    logger.info({ proposals: parts.filter((x) => x.whatIf).length }, 'what-if scenarios simulated');
  },
};

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

type Phase = NonNullable<NonNullable<Report['timings']>['phases']>[number];
/** Runs one timed phase of the analysis; `wait` counts the datasource time and queries of its fetches. */
type PhaseRunner = <T>(name: string, run: (wait: (stats: SourceStats) => void) => Promise<T> | T) => Promise<T>;

/** Time for the replay's first requests to leave (connections are opened on the event loop) before the what-if blocks it. */
const DISPATCH_MS = 20;

export async function runAnalysis(deps: AnalysisDeps, options: AnalysisOptions): Promise<Report> {
  const started = performance.now();
  const logger = (deps.logger ?? silentLogger).child({ component: 'pipeline', source: deps.source.name });
  const { services, hourly, steps, onProgress, tempoTracesPerProposal: _t, computeSeconds, alertReplay: _a, ...recommendOptions } = options;
  // Each phase is named with what it waited on: the datasource's own name, never "Prometheus" for the demo.
  const phases: Phase[] = [];
  let queries = 0;
  const phase: PhaseRunner = async (name, run) => {
    const p: Phase = { name, seconds: 0, waitingSeconds: 0 };
    const t0 = performance.now();
    const wait = (stats: SourceStats) => {
      p.waitingSeconds += stats.backendSeconds;
      p.waitsOn = deps.source.name;
      queries += stats.queries;
    };
    try {
      return await run(wait);
    } finally {
      p.seconds = (performance.now() - t0) / 1000;
      // A phase run per batch (the trend check of a streamed analysis) is reported once, summed.
      const same = phases.find((x) => x.name === p.name);
      if (same) {
        same.seconds += p.seconds;
        same.waitingSeconds += p.waitingSeconds;
      } else phases.push(p);
    }
  };
  const pool = deps.compute ?? sharedComputePool();
  const { checkpoint: _c, selectedVariantFor, breachPriorFor, ...plain } = recommendOptions;
  const recLimit = phaseLimit(computeSeconds, 'the recommender', RECOMMEND_HINT);
  const whatIfLimit = phaseLimit(computeSeconds, 'the what-if simulation of the analysis', WHAT_IF_HINT);
  // Streamed: each batch of services goes to the compute pool's threads as soon as the source hands it
  // over, and its what-if as soon as its proposals are final. With the AI layer, its per-endpoint work
  // (criticality, name vectors) runs per batch too and only the borrowing waits for the last batch
  // (app/ai/stream.ts). In process (0 threads) the analysis stays sequential, its limits cooperative.
  const whatIfTask = { periodSeconds: options.periodSeconds ?? options.windowSeconds, task: whatIfLimit };
  const stream = selectedVariantFor || breachPriorFor || pool.threads === 0
    ? undefined
    : deps.ai
      ? new StreamedAiRecommend(pool, plain, deps.ai, logger, recLimit, whatIfTask)
      : new StreamedRecommend(pool, plain, recLimit, whatIfTask);
  // analysis.hourly: auto per batch; a batch's hourly fetch waits for the main fetch and the one before
  // it, so no two fetches overlap (each one's waiting is then its own, never counted twice).
  let fetchedAll!: () => void;
  let hourlyQueue = new Promise<void>((resolve) => (fetchedAll = resolve));
  const serialFetch = <T>(run: () => Promise<T>): Promise<T> => {
    const r = hourlyQueue.then(run);
    hourlyQueue = r.then(() => undefined, () => undefined);
    return r;
  };
  const hourlyCtx = { ...options, services, recommendOptions, phase, onProgress, logger, source: deps.source, serialFetch };
  const batchWork: Array<Promise<void>> = [];
  let batchFailed: { err: unknown } | undefined;
  const onBatch = (hs: EndpointHistory[]) => {
    batchWork.push((async () => {
      if (hourly === 'auto') await addHourlyWhereTrending(hs, hourlyCtx);
      await stream!.add(hs);
    })().catch((err: unknown) => {
      batchFailed ??= { err };
    }));
  };
  const fetched = await phase('fetch histories', async (wait) => {
    try {
      const r = await deps.source.fetchHistories(
        { end: options.end, windowSeconds: options.windowSeconds, breachWindowSeconds: options.breachWindowSeconds, ...(services ? { services } : {}), ...(hourly === true ? { hourly } : {}) },
        (done, total) => onProgress?.({ phase: 'fetch', done, total }),
        stream ? onBatch : undefined,
      );
      wait(r.stats);
      return r;
    } catch (err) {
      // The batches already on the threads stop too: a failed analysis leaves no work behind.
      stream?.abort(err);
      throw err;
    } finally {
      fetchedAll();
    }
  });
  logger.info({ endpoints: fetched.histories.length, skipped: fetched.skipped.length, ...fetched.stats }, 'histories fetched');
  // A source that does not stream hands everything over at the end, as one batch.
  if (stream && batchWork.length === 0) onBatch(fetched.histories);
  await Promise.all(batchWork);
  if (batchFailed) {
    // A batch that failed (its hourly fetch, the AI layer's embeddings) stops the others' tasks too.
    stream?.abort(batchFailed.err);
    throw batchFailed.err;
  }
  if (!stream && hourly === 'auto') await addHourlyWhereTrending(fetched.histories, hourlyCtx);
  onProgress?.({ phase: 'recommend', done: 0, total: fetched.histories.length });
  // The limit counts from here, when all the input is in (as when recommend started only now).
  recLimit.start();
  let rec: RecommendResult;
  try {
    rec = await phase('recommend', () => (stream ? stream.result(fetched.histories) : recommendFleet(deps, pool, fetched.histories, recommendOptions, computeSeconds, recLimit, logger)));
  } finally {
    recLimit.clear();
  }
  onProgress?.({ phase: 'recommend', done: fetched.histories.length, total: fetched.histories.length });
  const report: Report = {
    generatedAt: deps.clock.now().toISOString(),
    window: formatDuration(options.windowSeconds),
    breachWindow: formatDuration(options.breachWindowSeconds),
    end: iso(options.end),
    ...(options.periodSeconds ? { period: formatDuration(options.periodSeconds) } : {}),
    proposals: rec.proposals,
    skipped: [...fetched.skipped, ...rec.skipped],
    calibration: rec.calibration,
    calibrationByService: rec.calibrationByService,
  };
  const all = [tempoStep, whatIfStep, alertReplayStep, ...(steps ?? [])];
  const runStep = (step: AnalysisStep) => phase(step.name, (wait) => step.run({ report, histories: fetched.histories, deps, options, logger: logger.child({ step: step.name }), timing: { wait } }));
  // The alert replay starts first: its first queries go out before the CPU-bound what-if runs, so the
  // datasource answers them meanwhile. The steps write different fields of each proposal, and each
  // SLO's replay depends only on its own series, so the report is the same as run one after the other.
  const replay = runStep(alertReplayStep).then(() => undefined, (err: unknown) => ({ err }));
  await delay(DISPATCH_MS);
  onProgress?.({ phase: 'enrich', done: 0, total: all.length });
  await runStep(tempoStep);
  onProgress?.({ phase: 'enrich', done: 1, total: all.length });
  await runStep(stream ? streamedWhatIf(stream, whatIfLimit) : whatIfStep);
  onProgress?.({ phase: 'enrich', done: 2, total: all.length });
  const failed = await replay;
  if (failed) throw failed.err;
  for (let i = 3; i < all.length; i++) {
    onProgress?.({ phase: 'enrich', done: i, total: all.length });
    await runStep(all[i]!);
  }
  onProgress?.({ phase: 'enrich', done: all.length, total: all.length });
  const waiting = phases.reduce((s, p) => s + p.waitingSeconds, 0);
  report.timings = {
    totalSeconds: (performance.now() - started) / 1000,
    datasource: deps.source.name,
    datasourceSeconds: waiting,
    ...(deps.source instanceof PrometheusHistorySource ? { prometheusSeconds: waiting } : {}),
    queries,
    phases,
  };
  // The report is a published contract: never hand out one that does not match it.
  const validating = performance.now();
  const parsed = Report.parse(report);
  // Validating is own work too: its phase and the total include it (numbers only, added after the check).
  const timings = parsed.timings!;
  timings.phases!.push({ name: 'validate report', seconds: (performance.now() - validating) / 1000, waitingSeconds: 0 });
  timings.totalSeconds = (performance.now() - started) / 1000;
  return parsed;
}

const RECOMMEND_HINT = 'analyse fewer services or routes at once (services.include, routes.exclude) or raise SLO_SCOUT_COMPUTE_SECONDS';
const WHAT_IF_HINT = 'analyse fewer services at once (services.include) or raise SLO_SCOUT_COMPUTE_SECONDS';

/**
 * recommend (with the AI layer when given) over the fleet, per service on the compute pool; in
 * process when the caller's options carry hooks (functions cannot reach a thread; the AI layer's
 * become tables).
 */
async function recommendFleet(deps: AnalysisDeps, pool: ComputePool, histories: EndpointHistory[], options: RecommendOptions, computeSeconds: number | undefined, limit: TaskOptions, logger: Logger): Promise<RecommendResult> {
  const { checkpoint: _c, selectedVariantFor, breachPriorFor, ...plain } = options;
  if (selectedVariantFor || breachPriorFor) {
    return recommend(histories, computeSeconds ? { ...options, checkpoint: deadline(computeSeconds, 'the recommender', RECOMMEND_HINT) } : options);
  }
  const run = (hs: EndpointHistory[], o: PlainRecommendOptions) => recommendOnPool(pool, hs, o, limit);
  return deps.ai ? aiRecommend(histories, plain, deps.ai, logger, run) : run(histories, plain);
}

/** The what-if step of a streamed analysis: its tasks went out with each service's proposals; this waits for them. */
function streamedWhatIf(stream: StreamedRecommend | StreamedAiRecommend, limit: ReturnType<typeof phaseLimit>): AnalysisStep {
  return {
    name: whatIfStep.name,
    async run({ report, logger }) {
      limit.start();
      try {
        await stream.whatIfDone();
      } finally {
        limit.clear();
      }
      logger.info({ proposals: report.proposals.filter((p) => p.whatIf).length }, 'what-if scenarios simulated');
    },
  };
}

/**
 * analysis.hourly: auto. The daily windows are fetched; the services whose traffic trends (the only
 * ones the hourly series change the proposals of, app/core/recommend/hourly-need.ts) get their hourly
 * series fetched (HistoryRequest.only: 'hourly', so no daily query runs twice), and those are
 * attached to their endpoints' histories. Their proposals are then those of hourly: true, and every
 * other service's those of hourly: false (its what-if too).
 */
async function addHourlyWhereTrending(
  histories: EndpointHistory[],
  ctx: {
    end: number; windowSeconds: number; breachWindowSeconds: number; services: string[] | undefined;
    recommendOptions: RecommendOptions;
    phase: PhaseRunner;
    onProgress: AnalysisOptions['onProgress'];
    logger: Logger;
    source: HistorySource;
    /** Runs the hourly fetch when no other fetch is out (per batch: after the main fetch and the batch before). */
    serialFetch?: <T>(run: () => Promise<T>) => Promise<T>;
  },
): Promise<void> {
  const needs = await ctx.phase('find traffic trends', () => servicesNeedingHourly(histories, ctx.recommendOptions));
  const wanted = needs.map((n) => n.service).filter((s) => !ctx.services || ctx.services.includes(s));
  ctx.logger.debug({ services: needs.map((n) => ({ service: n.service, endpoint: n.endpoint, trafficPerWeek: Math.round(n.perWeek * 1000) / 1000 })) }, `hourly series for ${wanted.length} of ${new Set(histories.map((h) => h.service)).size} services (traffic trend; analysis.hourly: auto)`);
  if (wanted.length === 0) return;
  // The phase's name lists the services (the first 20, names capped), so report.json's timings say which ones got hourly series.
  const name = `fetch hourly series (${wanted.length} trending service${wanted.length === 1 ? '' : 's'}: ${wanted.slice(0, 20).map((n) => n.slice(0, 80)).join(', ')}${wanted.length > 20 ? ', ...' : ''})`;
  const serial = ctx.serialFetch ?? ((run) => run());
  const r = await serial(() => ctx.phase(name, async (wait) => {
    const res = await ctx.source.fetchHistories(
      { end: ctx.end, windowSeconds: ctx.windowSeconds, breachWindowSeconds: ctx.breachWindowSeconds, services: wanted, hourly: true, only: 'hourly' },
      (done, total) => ctx.onProgress?.({ phase: 'fetch', done, total }),
    );
    wait(res.stats);
    return res;
  }));
  // Only the hourly series are asked for and taken (a source that ignores `only` returns the same windows again).
  const key = (h: EndpointHistory) => `${h.service}\u0000${h.endpoint ?? ''}`;
  const hourlyOf = new Map(r.histories.flatMap((h) => (h.hourly ? [[key(h), h.hourly] as const] : [])));
  for (const h of histories) {
    const hw = hourlyOf.get(key(h));
    if (hw) h.hourly = hw;
  }
}

/** Analysis options a `.slo-scout.yml` implies (flags override them in the CLI). */
export function analysisOptionsFromConfig(config: SloScoutConfig, end: number, links: RecommendOptions['links'] = {}): AnalysisOptions {
  const a = config.analysis;
  const grafana = config.datasources.grafana;
  return {
    end,
    windowSeconds: parseDuration(a.window),
    breachWindowSeconds: parseDuration(a.breachWindow),
    ...(a.period ? { periodSeconds: parseDuration(a.period) } : {}),
    percentiles: a.percentiles,
    selectedVariant: a.selectedVariant,
    // `routes.exclude` replaces the built-in health-check exclusion (the source applies the user's
    // globs), so the core's own default must not skip what the user chose to analyse.
    ...(config.routes.exclude !== undefined ? { excludeEndpoints: [] } : {}),
    alertReplay: a.alertReplay,
    hourly: a.hourly,
    links: {
      ...(config.datasources.prometheus?.url ? { prometheusUrl: config.datasources.prometheus.url } : {}),
      ...(config.datasources.tempo?.url ? { tempoUrl: config.datasources.tempo.url } : {}),
      ...(grafana?.url ? { grafanaUrl: grafana.url } : {}),
      ...(grafana?.datasourceUid ? { grafanaDatasourceUid: grafana.datasourceUid } : {}),
      ...links,
    },
  };
}
