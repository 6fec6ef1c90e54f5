/**
 * The real analysis engine behind the GitHub App's workers: runAnalysis (Prometheus/Tempo),
 * the exporters (files + PR body) and the what-if simulator. Workers only see `Engine`.
 */
import type { SloScoutConfig } from './config/schema.js';
import type { Proposal, Report, VariantType } from './core/report.js';
import { SimulationError, simulateSlo, simulationInputFromReport, formatSimulationMarkdown } from './core/simulate/index.js';
import { parseDuration } from './core/time.js';
import type { Clock } from './deps.js';
import { BURN_CHART, renderFileSet, renderPullRequestBody, safeName } from './export/index.js';
import { committedFileUrl, webUrlFor } from './vcs/file-url.js';
import type { Logger } from './logger.js';
import { analysisOptionsFromConfig, runAnalysis } from './pipeline.js';
import { prometheusSourceFromConfig, tempoClientFromConfig } from './telemetry/prometheus/from-config.js';
import { UserInputError, type Engine, type RenderedProposal, type RenderTarget } from './ports.js';

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 3 : 2)}%`;

function num(text: string | undefined, name: string, ok: (n: number) => boolean, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !ok(n)) throw new UserInputError(`${name}=${text}: must be ${what}`);
  return n;
}

export function explainProposal(p: Proposal): string {
  const burn = (v: Proposal['variants'][number]) => (v.budgetBurn ? `${pct(v.budgetBurn.expected)} [${pct(v.budgetBurn.interval[0])}, ${pct(v.budgetBurn.interval[1])}]` : '—');
  const rows = p.variants.map((v) => `| ${v.type}${v.type === p.selectedVariant ? ' (selected)' : ''} | ${burn(v)} | p${v.pValue} | ${v.target}% | ${v.thresholdSeconds === null ? '—' : `${Math.round(v.thresholdSeconds * 1000)} ms`} | ${pct(v.expectedBreachRate)} [${pct(v.breachRateInterval[0])}, ${pct(v.breachRateInterval[1])}] | ${pct(v.historicalCompliance)} | ${v.rationale ?? ''} |`);
  const c = p.confidenceComponents;
  return [
    `### \`${p.sloId}\` — ${p.service} ${p.endpoint ?? '(all endpoints)'} (${p.sli})`,
    '',
    '| variant | budget burn per period [interval] | percentile | objective | threshold | expected breach rate per window [interval] | windows met in history | how the threshold was chosen |',
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

export function createEngine(deps: { logger: Logger; clock: Clock; env: Record<string, string | undefined> }): Engine {
  return {
    async analyze({ config, services }) {
      const bw = parseDuration(config.analysis.breachWindow);
      const end = Math.floor(deps.clock.now().getTime() / 1000 / bw) * bw;
      const options = analysisOptionsFromConfig(config, end, {});
      const source = prometheusSourceFromConfig(config, { env: deps.env, logger: deps.logger });
      const tempo = tempoClientFromConfig(config, { env: deps.env, logger: deps.logger });
      return runAnalysis({ source, ...(tempo ? { tempo } : {}), logger: deps.logger, clock: deps.clock }, { ...options, ...(services ? { services } : {}) });
    },

    render(report: Report, { config, variants, target }: { config: SloScoutConfig; variants: Record<string, VariantType>; target?: RenderTarget }): RenderedProposal[] {
      const services = [...new Set(report.proposals.map((p) => p.service))].sort();
      return services.map((service) => {
        const sub: Report = { ...report, proposals: report.proposals.filter((p) => p.service === service), skipped: (report.skipped ?? []).filter((s) => s.service === service) };
        const override: Record<string, VariantType> = {};
        for (const p of sub.proposals) {
          const v = variants[p.sloId] ?? variants['*'];
          if (v) override[p.sloId] = v;
        }
        const files = renderFileSet(sub, { format: config.output.format, variant: override });
        const dir = `${config.output.path}/`;
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
          body: renderPullRequestBody(sub, { variant: override, ...links }),
          files: committed,
        };
      });
    },

    simulate(report, params, sloId) {
      const input = simulationInputFromReport(report);
      const services = sloId ? [...new Set(report.proposals.filter((p) => p.sloId === sloId).map((p) => p.service))] : [...new Set(input.slos.map((s) => s.service))];
      if (!services.length) throw new UserInputError(sloId ? `unknown slo id "${sloId}"` : 'the stored report has no simulation data (it was made before the what-if step existed; rerun the analysis)');
      const common = {
        ...(sloId ? { sloId } : {}),
        replicaCount: num(params.replicas, 'replicas', (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1'),
        trafficMultiplier: num(params.traffic, 'traffic', (n) => n > 0 && n <= 1000, 'a factor in (0, 1000], e.g. 1.2'),
        canaryPercentage: num(params.canary, 'canary', (n) => n >= 0 && n <= 100, 'a percentage 0-100'),
        ...(params.version ? { deploymentVersion: params.version } : {}),
      };
      try {
        return services.map((service) => formatSimulationMarkdown(simulateSlo(input, { service, ...Object.fromEntries(Object.entries(common).filter(([, v]) => v !== undefined)) }))).join('\n\n');
      } catch (err) {
        if (err instanceof SimulationError) throw new UserInputError(err.message);
        throw err;
      }
    },

    explain(report, sloId) {
      const p = report.proposals.find((x) => x.sloId === sloId);
      return p ? explainProposal(p) : null;
    },
  };
}
