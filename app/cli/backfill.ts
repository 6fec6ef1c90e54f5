/**
 * The synthetic fleet's history written as an OpenMetrics file for `promtool tsdb
 * create-blocks-from openmetrics`: `slo-scout demo-exporter --backfill` and the tests' real
 * Prometheus (test/helpers/prometheus.ts) both write it here, from app/core/fleet/exposition.ts.
 */
import { createWriteStream } from 'node:fs';
import type { FleetEndpoint, FleetSpec } from '../core/fleet/index.js';
import { fleetBackfillLines, openMetricsHeader, OTEL_METRIC_NAMING, type MetricNaming } from '../core/fleet/exposition.js';
import { CliError } from './errors.js';

export async function writeBackfill(file: string, spec: FleetSpec, options: { naming?: MetricNaming; keep?: (ep: FleetEndpoint) => boolean; sampleSeconds?: number } = {}): Promise<void> {
  const naming = options.naming ?? OTEL_METRIC_NAMING;
  await writeOpenMetricsLines(file, naming, fleetBackfillLines(spec, naming, options.keep, options.sampleSeconds));
}

/**
 * Streams lines (e.g. one piece of `fleetBackfillPieces`) to an OpenMetrics file with its header and
 * EOF, waiting for the stream to drain between batches: the benchmark fleet is millions of lines.
 * Returns how many sample lines were written.
 */
export async function writeOpenMetricsLines(file: string, naming: MetricNaming, batches: Iterable<string[]>): Promise<number> {
  const out = createWriteStream(file);
  let error: Error | undefined;
  out.on('error', (err) => { error = err; });
  const write = (text: string): Promise<void> => out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      resolve();
    };
    out.once('drain', done);
    out.once('error', done);
  });
  let count = 0;
  await write(`${openMetricsHeader(naming).join('\n')}\n`);
  for (const lines of batches) {
    if (error) break;
    count += lines.length;
    if (lines.length) await write(`${lines.join('\n')}\n`);
  }
  await new Promise<void>((resolve) => out.end('# EOF\n', () => resolve()));
  if (error) throw new CliError(`cannot write ${file}: ${error.message}`);
  return count;
}
