/**
 * `slo-scout init`: looks at a Prometheus and writes a starter .slo-scout.yml whose every choice
 * (histogram, labels, services, probe routes) is explained in a comment (app/config/starter.ts).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseConfig, formatConfigError } from '../config/schema.js';
import { renderStarterConfig } from '../config/starter.js';
import { parseDuration } from '../core/time.js';
import { createLogger } from '../logger.js';
import { PrometheusClient, PrometheusError } from '../telemetry/prometheus/client.js';
import { discoverPrometheus } from '../telemetry/prometheus/discover.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { parseDurationOption, parseEnd } from './options.js';

interface InitFlags { prometheus?: string; out: string; lookback: string; end?: number; force?: boolean; stdout?: boolean }

export function register(program: Command): void {
  program
    .command('init')
    .description('Write a starter .slo-scout.yml from what Prometheus holds (histogram, labels, services, probe routes), each choice explained in a comment')
    .option('--prometheus <url>', 'Prometheus base URL (default: $PROMETHEUS_URL)')
    .option('--out <file>', 'where to write it', '.slo-scout.yml')
    .option('--lookback <duration>', 'how far back to look for traffic', parseDurationOption, '7d')
    .option('--end <time>', 'look back from this moment: RFC 3339 or unix seconds (default: now)', parseEnd)
    .option('--force', 'overwrite an existing file')
    .option('--stdout', 'print it instead of writing a file')
    .action(async (flags: InitFlags) => {
      const url = flags.prometheus ?? process.env.PROMETHEUS_URL;
      if (!url) throw new CliError('no Prometheus URL: pass --prometheus http://prometheus:9090 (or set PROMETHEUS_URL)', EXIT_INVALID);
      if (!URL.canParse(url) || !/^https?:/.test(url)) throw new CliError(`--prometheus ${JSON.stringify(url)}: expected an http(s) URL, e.g. http://prometheus:9090`, EXIT_INVALID);
      if (!flags.stdout && !flags.force && existsSync(flags.out)) throw new CliError(`${flags.out} already exists: pass --force to overwrite it, or --stdout to print the starter config`, EXIT_INVALID);
      const client = new PrometheusClient({ url, logger: createLogger({ level: 'warn' }), timeoutSeconds: 60 });
      const end = Math.floor(flags.end ?? Date.now() / 1000);
      let discovery;
      try {
        discovery = await discoverPrometheus(client, { end, lookbackSeconds: parseDuration(flags.lookback) });
      } catch (err) {
        if (err instanceof PrometheusError) throw new CliError(err.message);
        throw err;
      }
      const text = renderStarterConfig(discovery);
      const parsed = parseConfig(text, flags.out);
      if (!parsed.ok) throw new Error(`slo-scout init made an invalid config (a bug; please report it):\n${parsed.errors.map(formatConfigError).join('\n')}`);
      if (flags.stdout) {
        process.stdout.write(text);
        return;
      }
      await writeFile(flags.out, text);
      const summary = discovery.histogram
        ? `${discovery.services.length} service(s) on ${discovery.histogram} (service label ${discovery.service ?? 'not found'}, route label ${discovery.route ?? 'none'})`
        : 'no request-duration histogram found; fill in metrics by hand';
      process.stdout.write(`Wrote ${flags.out}: ${summary}.\nNext: read the comments in it, then \`slo-scout analyze\`.\n`);
    });
}
