/**
 * The real analysis engine behind the GitHub App's workers: runAnalysis (Prometheus/Tempo),
 * the exporters (files + PR body) and the what-if simulator. Workers only see `Engine`.
 */
import { SloScoutConfig } from './config/schema.js';
import { chooseCapacity } from './config/simulation.js';
import { scopedEnv, type ConfigEnvPolicy } from './config/env-policy.js';
import { trustCheck } from './config/trust.js';
import { guardedFetch, OutboundRefusedError, ResponseTooLargeError, type OutboundPolicy } from './telemetry/outbound.js';
import { aiEnvFrom, createAiLayer } from './ai/index.js';

function causedBy(err: unknown, test: (e: unknown) => boolean): boolean {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) if (test(e)) return true;
  return false;
}
import { formatBreach, windowsPerPeriod, windowUnit } from './core/breach-format.js';
import type { Proposal, Report, VariantType } from './core/report.js';
import { SimulationError, simulateSlo, simulationInputFromReport, formatSimulationMarkdown, type SimulationInput } from './core/simulate/index.js';
import { quoteArg, truncateArg } from './commands/quote.js';
import { deadline, DEFAULT_COMPUTE_SECONDS } from './deadline.js';
import { parseDuration } from './core/time.js';
import type { Clock } from './deps.js';
import { BURN_CHART, canonicalReport, renderFileSet, renderPullRequestBody, safeName } from './export/index.js';
import { committedFileUrl, webUrlFor } from './vcs/file-url.js';
import { routingOptionsFromConfig } from './export/from-config.js';
import { normaliseOutputPath } from './export/layout.js';
import type { Logger } from './logger.js';
import { analysisOptionsFromConfig, runAnalysis } from './pipeline.js';
import { prometheusSourceFromConfig, tempoClientFromConfig } from './telemetry/prometheus/from-config.js';
import { UserInputError, type Engine, type RenderedProposal, type RenderTarget } from './ports.js';
import { detailsLinksFromEnv } from './web/links.js';

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 3 : 2)}%`;

function num(text: string | undefined, name: string, ok: (n: number) => boolean, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !ok(n)) throw new UserInputError(`${quoteArg(`${name}=${text}`)}: must be ${what}`);
  return n;
}

/**
 * What a commenter may ask the simulator: Erlang B is linear in servers, so `replicas=100000000`
 * froze a worker for hours. Replicas are bounded relative to what was observed (a what-if is
 * about this service, not an arbitrary one), traffic to a factor the queueing model can speak to.
 */
export const SIMULATE_LIMITS = { maxReplicas: 1000, replicasPerObserved: 10, minTraffic: 0.01, maxTraffic: 100 };

function observedReplicas(input: SimulationInput, services: string[]): number {
  let max = 1;
  for (const slo of input.slos) {
    if (!services.includes(slo.service) || !slo.basis.replicasKnown) continue;
    for (const w of slo.basis.windows) for (const r of w.replicas) max = Math.max(max, r);
  }
  return max;
}

export function explainProposal(p: Proposal, report: Pick<Report, 'breachWindow' | 'period' | 'window'> = { breachWindow: '1d', window: '28d' }): string {
  const n = windowsPerPeriod(report.breachWindow, report.period ?? report.window);
  const unit = windowUnit(report.breachWindow);
  const burn = (v: Proposal['variants'][number]) => (v.budgetBurn ? `${pct(v.budgetBurn.expected)} [${pct(v.budgetBurn.interval[0])}, ${pct(v.budgetBurn.interval[1])}]` : '—');
  const rows = p.variants.map((v) => `| ${v.type}${v.type === p.selectedVariant ? ' (selected)' : ''} | ${burn(v)} | p${v.pValue} | ${v.target}% | ${v.thresholdSeconds === null ? '—' : `${Math.round(v.thresholdSeconds * 1000)} ms`} | ${formatBreach(v.expectedBreachRate, v.breachRateInterval, n, unit)} | ${pct(v.historicalCompliance)} | ${v.rationale ?? ''} |`);
  const c = p.confidenceComponents;
  return [
    `### \`${p.sloId}\` — ${p.service} ${p.endpoint ?? '(all endpoints)'} (${p.sli})`,
    '',
    '| variant | budget burn per period [interval] | percentile | objective | threshold | expected breach rate per window [windows breached next period] | windows met in history | how the threshold was chosen |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    p.breachRateMethod ? `Breach-rate interval: ${p.breachRateMethod}.` : '',
    `Confidence ${p.confidence.toFixed(2)} = f(traffic volume ${c.trafficVolume.toFixed(2)}, data coverage ${c.dataCoverage.toFixed(2)}, stability ${c.stability.toFixed(2)}, interval width ${c.intervalWidth.toFixed(2)}).`,
    '',
    '**Evidence**',
    ...(p.evidence.length ? p.evidence.map((e) => `- ${e.kind}: ${e.description}${e.url ? ` ([link](${e.url}))` : ''}${e.traceId ? ` trace \`${e.traceId}\`` : ''}`) : ['- none recorded']),
    ...(p.warnings.length ? ['', '**Warnings**', ...p.warnings.map((w) => `- ${w}`)] : []),
  ].filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}

export interface EngineDeps {
  logger: Logger;
  clock: Clock;
  /** The process environment; the engine keeps only what `trust.env` allows (a repo's config drives it). */
  env: Record<string, string | undefined>;
  trust: { env: ConfigEnvPolicy; outbound: OutboundPolicy };
  /** Defaults to guardedFetch(trust.outbound); tests inject their own. */
  fetch?: typeof fetch;
  /** Byte cap of one Prometheus / Tempo reply (SLO_SCOUT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Time limit of the recommender and of one simulation, seconds (SLO_SCOUT_COMPUTE_SECONDS). */
  computeSeconds?: number;
}

export function createEngine(deps: EngineDeps): Engine {
  const env = scopedEnv(deps.env, deps.trust.env);
  const computeSeconds = deps.computeSeconds ?? DEFAULT_COMPUTE_SECONDS;
  const fetchFn = deps.fetch ?? guardedFetch(deps.trust.outbound);
  const check = trustCheck(SloScoutConfig, deps.trust);
  const http = { env, logger: deps.logger, fetch: fetchFn, ...(deps.maxResponseBytes ? { maxResponseBytes: deps.maxResponseBytes } : {}) };
  return {
    async analyze({ config, services }) {
      // The config was checked when it was read; checked again here so no caller can skip it.
      const problems = check(config);
      if (problems.length) throw new UserInputError(`the config is not allowed on this SLO-Scout installation:\n${problems.map((p) => `- ${p.message}`).join('\n')}`);
      const bw = parseDuration(config.analysis.breachWindow);
      const end = Math.floor(deps.clock.now().getTime() / 1000 / bw) * bw;
      const options = { ...analysisOptionsFromConfig(config, end, {}), computeSeconds };
      const source = prometheusSourceFromConfig(config, http);
      const tempo = tempoClientFromConfig(config, http);
      // Repository hints (catalog-info, OpenAPI, CODEOWNERS) are read by the CLI from a checkout; the app has none yet.
      // AI settings come from the operator's environment (keys, model directory), never from the repository.
      // Its outbound calls (OPENAI_BASE_URL) go through the same allow-list as the datasources.
      const ai = await createAiLayer({ settings: config.ai, env: aiEnvFrom(deps.env), logger: deps.logger, fetchFn });
      try {
        return await runAnalysis({ source, ...(tempo ? { tempo } : {}), ai, logger: deps.logger, clock: deps.clock }, { ...options, ...(services ? { services } : {}) });
      } catch (err) {
        // A refused address or an oversized reply will be the same on every retry: fail the job for good.
        if (causedBy(err, (c) => c instanceof OutboundRefusedError || c instanceof ResponseTooLargeError)) throw new UserInputError((err as Error).message);
        throw err;
      }
    },

    render(report: Report, { config, variants, target, codeowners, repo }: { config: SloScoutConfig; variants: Record<string, VariantType>; target?: RenderTarget; codeowners?: string; repo?: string }): RenderedProposal[] {
      const details = repo ? detailsLinksFromEnv(deps.env, () => deps.clock.now().getTime() / 1000) : undefined;
      const pageLinks = details && repo ? Object.fromEntries(report.proposals.map((p) => [p.sloId, details.slo(repo, p.sloId)])) : undefined;
      const services = [...new Set(report.proposals.map((p) => p.service))].sort();
      return services.map((service) => {
        const own = report.calibrationByService?.[service];
          // A service's PR carries only its own data, so a rerun changes only the PRs whose data changed.
          const sub: Report = { ...report, proposals: report.proposals.filter((p) => p.service === service), skipped: (report.skipped ?? []).filter((s) => s.service === service), ...(own ? { calibration: own, calibrationByService: { [service]: own } } : {}) };
        const override: Record<string, VariantType> = {};
        for (const p of sub.proposals) {
          const v = variants[p.sloId] ?? variants['*'];
          if (v) override[p.sloId] = v;
        }
        const files = renderFileSet(sub, { format: config.output.format, variant: override, ...routingOptionsFromConfig(config, sub, codeowners, target?.platform) });
        const dir = normaliseOutputPath(config.output.path) ? `${normaliseOutputPath(config.output.path)}/` : '';
        // One report.json and one burn chart per service directory, so per-service PRs never touch the same file.
        const perService = new Set(['report.json', BURN_CHART]);
        const committed = files.filter((f) => f.path !== 'PULL_REQUEST.md')
          .map((f) => ({ path: perService.has(f.path) ? `${dir}slos/${safeName(service)}/${f.path}` : `${dir}${f.path}`, content: f.content }));
        const links: { chartLinks?: Record<string, string>; burnChart?: string } = {};
        if (target) {
          const where = { platform: target.platform, webUrl: webUrlFor(target.platform, deps.env), repo: target.repo, branch: target.branchFor(service) };
          const paths = new Set(committed.map((f) => f.path));
          const chartLinks: Record<string, string> = {};
          for (const p of sub.proposals) {
            const path = `${dir}slos/${safeName(service)}/${safeName(p.sloId)}.svg`;
            if (paths.has(path)) chartLinks[p.sloId] = committedFileUrl(where, path);
          }
          links.chartLinks = chartLinks;
          const burnPath = `${dir}slos/${safeName(service)}/${BURN_CHART}`;
          if (paths.has(burnPath)) links.burnChart = committedFileUrl(where, burnPath);
        }
        return {
          service,
          title: `SLO-Scout: SLOs for ${service}`,
          body: renderPullRequestBody(canonicalReport(sub), { variant: override, ...links, ...(pageLinks ? { pageLinks } : {}) }),
          files: committed,
        };
      });
    },

    simulate(report, params, sloId, config) {
      const input = simulationInputFromReport(report);
      const services = sloId ? [...new Set(report.proposals.filter((p) => p.sloId === sloId).map((p) => p.service))] : [...new Set(input.slos.map((s) => s.service))];
      if (!services.length) throw new UserInputError(sloId ? `unknown slo id "${sloId}"` : 'the stored report has no simulation data (it was made before the what-if step existed; rerun the analysis)');
      const L = SIMULATE_LIMITS;
      const observed = observedReplicas(input, services);
      const maxReplicas = Math.min(L.maxReplicas, L.replicasPerObserved * observed);
      const common = {
        ...(sloId ? { sloId } : {}),
        replicaCount: num(params.replicas, 'replicas', (n) => Number.isInteger(n) && n >= 1 && n <= maxReplicas, `a whole number from 1 to ${maxReplicas} (at most ${L.replicasPerObserved}x the ${observed} replica${observed === 1 ? '' : 's'} observed, and at most ${L.maxReplicas})`),
        trafficMultiplier: num(params.traffic, 'traffic', (n) => n >= L.minTraffic && n <= L.maxTraffic, `a factor from ${L.minTraffic} to ${L.maxTraffic}, e.g. 1.2`),
        canaryPercentage: num(params.canary, 'canary', (n) => n >= 0 && n <= 100, 'a percentage 0-100'),
        ...(params.version ? { deploymentVersion: truncateArg(params.version, 200) } : {}),
      };
      const given = num(params.capacity, 'capacity', (n) => n > 0 && n <= 1e9, 'requests per second one replica sustains, e.g. 120');
      const defined = Object.fromEntries(Object.entries(common).filter(([, v]) => v !== undefined));
      const checkpoint = deadline(computeSeconds, 'the what-if simulation', 'simulate one SLO at a time (slo=<id>)');
      try {
        return services.map((service) => {
          // capacity=, else the repository config's measured capacity for this service, else history's.
          const capacity = chooseCapacity(given !== undefined ? { value: given, flag: 'capacity=' } : undefined, config?.simulation, service, config?.path ?? '.slo-scout.yml');
          return formatSimulationMarkdown(simulateSlo(input, { service, ...defined, ...capacity }, checkpoint));
        }).join('\n\n');
      } catch (err) {
        if (err instanceof SimulationError) throw new UserInputError(err.message);
        throw err;
      }
    },

    explain(report, sloId) {
      const p = report.proposals.find((x) => x.sloId === sloId);
      return p ? explainProposal(p, report) : null;
    },
  };
}
