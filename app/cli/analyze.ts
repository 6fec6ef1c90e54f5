import { aiEnvFrom, createAiLayer, readRepoHints } from '../ai/index.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { SloScoutConfig, ConfigFileError, loadConfigFile, CONFIG_FILE_NAMES } from '../config/schema.js';
import { DEFAULT_ROUTE_EXCLUDE, OutputFormat } from '../config/analysis.js';
import { SecretError } from '../config/secret.js';
import { formatDuration, parseDuration } from '../core/time.js';
import { systemClock } from '../deps.js';
import { formatReportJson, renderFileSet } from '../export/index.js';
import { routingOptionsFromConfig } from '../export/from-config.js';
import { codeownersPaths, type CodeownersPlatform } from '../policy/codeowners.js';
import { writeFileSet } from '../export/write.js';
import { createLogger } from '../logger.js';
import { analysisOptionsFromConfig, runAnalysis } from '../pipeline.js';
import { PrometheusError } from '../telemetry/prometheus/client.js';
import { prometheusSourceFromConfig, tempoClientFromConfig } from '../telemetry/prometheus/from-config.js';
import { StoreHistorySource } from '../telemetry/store-source.js';
import { PgTelemetryStore } from '../store/telemetry.js';
import { createPool, type Pool } from '../store/db.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { parseDurationOption, parseEnd } from './options.js';
import { createProgress } from './progress.js';
import { footer, summaryTable } from './summary.js';
import { cliTrust, TRUST_CONFIG_HELP, type CliTrust } from './trust.js';
import type { ConfigTrust } from '../config/trust.js';
import { confinedOutputDir } from '../export/confine.js';

function cliTrustOrExit(trustConfig: boolean | undefined): CliTrust {
  try {
    return cliTrust(trustConfig);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT_INVALID);
  }
}
import { examples } from './examples.js';



interface AnalyzeFlags {
  prometheus?: string;
  source: 'prometheus' | 'store';
  databaseUrl?: string;
  tenant?: string;
  tempo?: string;
  config?: string;
  window?: string;
  end?: number;
  breachWindow?: string;
  format?: OutputFormat;
  out?: string;
  json?: boolean;
  metric?: string;
  logLevel: string;
  trustConfig?: boolean;
  /** Commander's --no-alert-replay: false when given. */
  alertReplay: boolean;
}

/**
 * The working tree's CODEOWNERS for the team label; absent is fine. A checkout does not say which code
 * host it belongs to: `.github/CODEOWNERS` reads as GitHub's dialect, `.gitlab/CODEOWNERS` as GitLab's
 * (sections), and a root or docs/ file as GitHub's unless the tree has a `.gitlab-ci.yml`.
 */
export async function readCodeowners(root: string): Promise<{ text: string; platform: CodeownersPlatform } | undefined> {
  const host: CodeownersPlatform = existsSync(join(root, '.gitlab-ci.yml')) || existsSync(join(root, '.gitlab', 'CODEOWNERS')) ? 'gitlab' : 'github';
  for (const path of codeownersPaths(host)) {
    try {
      return { text: await readFile(join(root, path), 'utf8'), platform: host };
    } catch { /* try the next location */ }
  }
  return undefined;
}

export async function loadConfigOrDefault(path: string | undefined, trust?: ConfigTrust): Promise<{ config: SloScoutConfig; file?: string }> {
  const file = path ?? CONFIG_FILE_NAMES.map((n) => join(process.cwd(), n)).find((p) => existsSync(p));
  if (!file) return { config: SloScoutConfig.parse({}) };
  try {
    return { config: await loadConfigFile(file, trust), file };
  } catch (err) {
    if (err instanceof ConfigFileError) throw new CliError(`invalid config:\n${err.message}`, EXIT_INVALID);
    throw err;
  }
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description('Query Prometheus (and Tempo) and propose latency and availability SLOs for every endpoint')
    .addHelpText('after', examples('analyze'))
    .option('--prometheus <url>', 'Prometheus base URL (overrides datasources.prometheus.url)')
    .option('--tempo <url>', 'Tempo base URL for trace evidence (overrides datasources.tempo.url)')
    .addOption(new Option('--source <source>', 'where histories come from: Prometheus, or the OTLP intake store (PostgreSQL)').choices(['prometheus', 'store']).default('prometheus'))
    .option('--database-url <url>', 'PostgreSQL of the OTLP intake, with --source store (default: $DATABASE_URL)')
    .option('--tenant <name>', 'OTLP intake tenant, with --source store (default: all tenants)')
    .option('--config <file>', 'path to .slo-scout.yml (default: ./.slo-scout.yml when present)')
    .option('--window <duration>', 'history to analyse, e.g. 28d (overrides analysis.window)', parseDurationOption)
    .option('--end <time>', 'analyse as of this moment: RFC 3339 or unix seconds (default: the last whole breach window)', parseEnd)
    .option('--breach-window <duration>', 'evaluation window of a breach, e.g. 1d (overrides analysis.breachWindow)', parseDurationOption)
    .addOption(new Option('--format <format>', 'SLO spec format (overrides output.format)').choices(OutputFormat.options))
    .option('--metric <name>', 'histogram base name, e.g. http_request_duration_seconds (overrides metrics.histogram)')
    .option('--out <dir>', 'write the proposal files here (default: output.path, unless --json)')
    .option('--json', 'print report.json to stdout instead of the summary')
    .option('--no-alert-replay', 'skip replaying the page and ticket alerts over the history (overrides analysis.alertReplay.enabled; the report says it was skipped)')
    .option('--log-level <level>', 'pino log level on stderr', 'warn')
    .option('--trust-config', TRUST_CONFIG_HELP)
    .action(async (flags: AnalyzeFlags) => {
      const t = cliTrustOrExit(flags.trustConfig);
      const { config } = await loadConfigOrDefault(flags.config, t.trust);
      if (flags.metric) config.metrics.histogram = flags.metric;
      if (flags.window) config.analysis.window = flags.window;
      if (flags.breachWindow) config.analysis.breachWindow = flags.breachWindow;
      if (flags.format) config.output.format = flags.format;
      if (!flags.alertReplay) config.analysis.alertReplay.enabled = false;
      const logger = createLogger({ level: flags.logLevel });
      const clock = systemClock;
      const bw = parseDuration(config.analysis.breachWindow);
      // Default end: the last whole breach window, so daily windows are calendar days (UTC).
      const end = flags.end ?? Math.floor(clock.now().getTime() / 1000 / bw) * bw;
      const links = { ...(flags.prometheus ? { prometheusUrl: flags.prometheus } : {}), ...(flags.tempo ? { tempoUrl: flags.tempo } : {}) };
      const options = analysisOptionsFromConfig(config, end, links);
      if (options.windowSeconds % bw !== 0) {
        throw new CliError(`--window ${config.analysis.window} is not a whole number of breach windows (${formatDuration(bw)})`, EXIT_INVALID);
      }
      let source;
      let pool: Pool | undefined;
      let tempo;
      let ai;
      try {
        // Criticality and borrowed priors (docs/ai.md); repository hints come from the current checkout.
        ai = await createAiLayer({ settings: config.ai, env: aiEnvFrom(process.env), logger, hints: readRepoHints(process.cwd()), fetchFn: t.fetch });
        if (flags.source === 'store') {
          const url = flags.databaseUrl ?? process.env.DATABASE_URL;
          if (!url) throw new Error('--source store needs --database-url postgres://user@host:5432/db (or DATABASE_URL)');
          pool = createPool(url, 2);
          source = new StoreHistorySource({ store: new PgTelemetryStore(pool), ...(flags.tenant ? { tenant: flags.tenant } : {}), services: config.services, routes: config.routes, defaultRouteExclude: DEFAULT_ROUTE_EXCLUDE });
        } else {
          source = prometheusSourceFromConfig(config, { env: t.env, fetch: t.fetch, logger, ...(flags.prometheus ? { url: flags.prometheus } : {}) });
        }
        tempo = tempoClientFromConfig(config, { env: t.env, fetch: t.fetch, logger, ...(flags.tempo ? { url: flags.tempo } : {}) });
      } catch (err) {
        throw new CliError((err as Error).message, EXIT_INVALID);
      }
      const progress = createProgress();
      let report;
      try {
        report = await runAnalysis({ source, ...(tempo ? { tempo } : {}), ai, logger, clock }, { ...options, onProgress: progress.onProgress });
      } catch (err) {
        if (err instanceof PrometheusError || err instanceof SecretError) throw new CliError(err.message);
        // pg errors (connection refused, unknown database, missing tables) are one-line problems too.
        if (pool && typeof (err as { code?: unknown }).code === 'string') throw new CliError(`--source store: ${(err as Error).message} (is the database migrated? run slo-scout serve or the migrations once)`);
        throw err;
      } finally {
        progress.stop();
        await pool?.end();
      }
      const outDir = flags.out ?? (flags.json ? undefined : config.output.path);
      if (outDir) {
        const codeowners = await readCodeowners(process.cwd());
        const files = renderFileSet(report, { format: config.output.format, ...routingOptionsFromConfig(config, report, codeowners?.text, codeowners?.platform), ...(options.periodSeconds ? { periodSeconds: options.periodSeconds } : {}), ...(options.links?.grafanaUrl ? { grafanaUrl: options.links.grafanaUrl } : {}), ...(options.links?.prometheusUrl ? { prometheusUrl: options.links.prometheusUrl } : {}) });
        // --out is the user's own choice; output.path comes from the config and stays inside the cwd.
        if (flags.out) await writeFileSet(outDir, files);
        else await writeFileSet(await confinedOutputDir(process.cwd(), outDir).catch((err: unknown) => { throw new CliError((err as Error).message, EXIT_INVALID); }), files, { confineTo: process.cwd() });
      }
      if (flags.json) {
        process.stdout.write(`${formatReportJson(report)}\n`);
      } else {
        process.stdout.write(`${summaryTable(report)}\n${footer(report, outDir ? `${outDir}/ (PULL_REQUEST.md, report.json, slos/)` : undefined)}\n`);
      }
    });
}
