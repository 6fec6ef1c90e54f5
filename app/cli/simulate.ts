import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import { Report } from '../core/report.js';
import {
  SIMULATION_HEADERS, SimulationError, simulateSlo, simulationBasisFromHistory, simulationContext, simulationInputFromReport, simulationRows,
  type SimulationInput, type SimulationOptions, type SimulationResult,
} from '../core/simulate/index.js';
import { formatDuration, parseDuration } from '../core/time.js';
import { systemClock } from '../deps.js';
import { createLogger } from '../logger.js';
import { runAnalysis, type AnalysisStep } from '../pipeline.js';
import { PrometheusClient, PrometheusError } from '../telemetry/prometheus/client.js';
import { OTEL_METRIC_NAMES, PrometheusHistorySource } from '../telemetry/prometheus/source.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { parseDurationOption, parseEnd } from './options.js';
import { examples } from './examples.js';
import { loadConfigOrDefault } from './analyze.js';
import { chooseCapacity } from '../config/simulation.js';

interface SimulateFlags {
  report?: string;
  prometheus?: string;
  service: string;
  slo?: string;
  replicas?: number;
  capacity?: number;
  config?: string;
  trafficMultiplier?: number;
  canaryPercentage?: number;
  deploymentVersion?: string;
  seed?: number;
  draws?: number;
  json?: boolean;
  window: string;
  breachWindow: string;
  end?: number;
  metric?: string;
  versionLabel?: string;
  logLevel: string;
}

const number = (what: string, check: (n: number) => boolean, rule: string) => (text: string): number => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${what} must be ${rule}, got "${text}"`);
  return n;
};


/** `--report` takes report.json or the directory `analyze --out` wrote it to. */
export async function loadReportInput(path: string): Promise<SimulationInput> {
  let file = path;
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'report.json');
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass the report.json (or the directory) written by \`slo-scout analyze --out DIR\``, EXIT_INVALID);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON (${(err as Error).message}); pass the report.json written by \`slo-scout analyze\``, EXIT_INVALID);
  }
  const parsed = Report.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`${file} is not a valid report.json: ${issue.path.join('.') || '(root)'}: ${issue.message}`, EXIT_INVALID);
  }
  const input = simulationInputFromReport(parsed.data);
  if (input.slos.length === 0) {
    throw new CliError(`${file} has no simulation data (proposals lack "simulationBasis"): it was written by an older slo-scout; re-run \`slo-scout analyze\` or use --prometheus`, EXIT_INVALID);
  }
  return input;
}

/** Fetch history from Prometheus and fit the basis for the service's proposals (no report on disk needed). */
async function prometheusInput(flags: SimulateFlags): Promise<SimulationInput> {
  const logger = createLogger({ level: flags.logLevel });
  const windowSeconds = parseDuration(flags.window);
  const breachWindowSeconds = parseDuration(flags.breachWindow);
  if (windowSeconds % breachWindowSeconds !== 0) {
    throw new CliError(`--window ${flags.window} is not a whole number of breach windows (${formatDuration(breachWindowSeconds)})`, EXIT_INVALID);
  }
  const end = flags.end ?? Math.floor(systemClock.now().getTime() / 1000 / breachWindowSeconds) * breachWindowSeconds;
  const client = new PrometheusClient({ url: flags.prometheus!, logger });
  const metrics = { ...OTEL_METRIC_NAMES, ...(flags.metric ? { histogram: flags.metric } : {}), ...(flags.versionLabel ? { versionLabel: flags.versionLabel } : {}) };
  const source = new PrometheusHistorySource({ client, logger, metrics });
  const basisStep: AnalysisStep = {
    name: 'simulation-basis',
    run({ report, histories }) {
      for (const p of report.proposals) {
        const h = histories.find((x) => x.service === p.service && x.endpoint === p.endpoint);
        const basis = p.simulationBasis ?? (h ? simulationBasisFromHistory(h, { periodSeconds: windowSeconds }) : null);
        if (basis) p.simulationBasis = basis;
      }
      return Promise.resolve();
    },
  };
  try {
    const report = await runAnalysis({ source, logger, clock: systemClock }, { end, windowSeconds, breachWindowSeconds, services: [flags.service], hourly: true, steps: [basisStep] });
    return simulationInputFromReport(report);
  } catch (err) {
    if (err instanceof PrometheusError) throw new CliError(err.message);
    throw err;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderTable(result: SimulationResult): string {
  const out: string[] = [];
  for (const slo of result.slos) {
    out.push(`${slo.sloId} (${slo.sli}) — ${slo.scenario}`);
    const table = new Table({ head: SIMULATION_HEADERS, style: { head: [], border: [] } });
    for (const row of simulationRows(slo)) table.push(row);
    out.push(table.toString(), simulationContext(slo));
    for (const w of slo.warnings) out.push(`warning: ${w}`);
    out.push('');
  }
  out.push(`interval: ${pct(result.confidenceLevel)} bootstrap over evaluation windows, ${result.draws} draws, seed ${result.seed}`);
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('What if traffic grows, replicas change, a version is canaried or rolled back: projected breach rate, interval and error-budget impact')
    .addHelpText('after', examples('simulate'))
    .option('--report <file>', 'report.json (or its directory) written by `slo-scout analyze`')
    .option('--prometheus <url>', 'analyse this Prometheus instead of reading a report')
    .requiredOption('--service <name>', 'service to simulate')
    .option('--slo <id>', 'one SLO id (default: every SLO of the service)')
    .option('--replicas <n>', 'replica count in the scenario', number('--replicas', (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1'))
    .option('--traffic-multiplier <x>', 'traffic factor, e.g. 1.2 for +20%', number('--traffic-multiplier', (n) => n > 0 && n <= 1000, 'a number in (0, 1000]'))
    .option('--canary-percentage <p>', 'share of traffic (0-100) on the candidate version (default candidate: the newest)', number('--canary-percentage', (n) => n >= 0 && n <= 100, 'between 0 and 100'))
    .option('--deployment-version <v>', 'candidate version: roll out / roll back to its observed behaviour')
    .option('--seed <n>', 'seed of the bootstrap (same seed, same numbers)', number('--seed', Number.isInteger, 'a whole number'))
    .option('--draws <n>', 'bootstrap draws (100-100000)', number('--draws', (n) => Number.isInteger(n) && n >= 100 && n <= 100_000, 'a whole number in [100, 100000]'))
    .option('--capacity <req/s>', 'measured requests/s one replica sustains (default: simulation.capacityPerReplica in the config, else fitted from history)', number('--capacity', (n) => n > 0 && n <= 1e9, 'a positive number of requests per second'))
    .option('--config <file>', 'path to .slo-scout.yml (default: ./.slo-scout.yml when present)')
    .option('--json', 'print the result as JSON')
    .option('--window <duration>', 'with --prometheus: history to analyse', parseDurationOption, '28d')
    .option('--breach-window <duration>', 'with --prometheus: evaluation window', parseDurationOption, '1d')
    .option('--end <time>', 'with --prometheus: analyse as of this moment, RFC 3339 or unix seconds (default: the last whole breach window)', parseEnd)
    .option('--metric <name>', 'with --prometheus: histogram base name (default http_server_request_duration_seconds)')
    .option('--version-label <label>', 'with --prometheus: label carrying the deployed version, e.g. service_version (canary / rollback need it)')
    .option('--log-level <level>', 'pino log level on stderr', 'warn')
    .action(async (flags: SimulateFlags) => {
      if (!flags.report === !flags.prometheus) {
        throw new CliError('pass exactly one of --report FILE (a report.json from `slo-scout analyze`) or --prometheus URL', EXIT_INVALID);
      }
      const input = flags.report ? await loadReportInput(flags.report) : await prometheusInput(flags);
      // --capacity, else the config's measured capacity for this service, else the fitted one.
      const loaded = flags.capacity === undefined ? await loadConfigOrDefault(flags.config) : undefined;
      const capacity = chooseCapacity(flags.capacity !== undefined ? { value: flags.capacity, flag: '--capacity' } : undefined, loaded?.config.simulation, flags.service, loaded?.file ? basename(loaded.file) : '.slo-scout.yml');
      const options: SimulationOptions = {
        service: flags.service,
        ...(flags.slo !== undefined ? { sloId: flags.slo } : {}),
        ...(flags.replicas !== undefined ? { replicaCount: flags.replicas } : {}),
        ...capacity,
        ...(flags.trafficMultiplier !== undefined ? { trafficMultiplier: flags.trafficMultiplier } : {}),
        ...(flags.canaryPercentage !== undefined ? { canaryPercentage: flags.canaryPercentage } : {}),
        ...(flags.deploymentVersion !== undefined ? { deploymentVersion: flags.deploymentVersion } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        ...(flags.draws !== undefined ? { draws: flags.draws } : {}),
      };
      let result: SimulationResult;
      try {
        result = simulateSlo(input, options);
      } catch (err) {
        if (err instanceof SimulationError) throw new CliError(err.message, EXIT_INVALID);
        throw err;
      }
      process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderTable(result)}\n`);
    });
}
