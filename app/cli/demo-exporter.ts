/**
 * `slo-scout demo-exporter`: the demo's synthetic fleet as live Prometheus metrics, so a fresh
 * docker compose stack (or any Prometheus) has something to analyse. `--backfill FILE` writes the
 * history as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`; without it, it serves
 * /metrics continuing from that history (app/core/fleet/exposition.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { InvalidArgumentError, type Command } from 'commander';
import { buildFleetExposition, liveExposition } from '../core/fleet/exposition.js';
import { writeBackfill } from './backfill.js';
import { createLogger } from '../logger.js';
import { CliError } from './errors.js';
import { parseEnd } from './options.js';
import { untilSignal } from './serve.js';

function bounded(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`"${text}" is not a whole number from ${min} to ${max}`);
    return n;
  };
}

interface Flags { port: number; host: string; seed: number; days: number; end?: number; backfill?: string; endFile?: string }

export function register(program: Command): void {
  program
    .command('demo-exporter')
    .description('Serve the demo\'s synthetic fleet as live Prometheus metrics on /metrics, or write its history for promtool with --backfill')
    .option('--port <port>', 'listen on this port', bounded(0, 65535), 9400)
    .option('--host <host>', 'listen address', '0.0.0.0')
    .option('--seed <n>', 'fleet seed (same as demo --seed)', bounded(0, 2 ** 31), 42)
    .option('--days <n>', 'days of history behind the live metrics', bounded(8, 90), 30)
    .option('--end <time>', 'where history ends and the live replay starts: RFC 3339 or unix seconds (default: the current hour)', parseEnd)
    .option('--backfill <file>', 'write the history as OpenMetrics to this file (and its end time to FILE.end) and exit')
    .option('--end-file <file>', 'read --end from the FILE.end a --backfill wrote, so the live counters continue that history')
    .action(async (flags: Flags) => {
      let endAt = flags.end;
      if (flags.endFile) {
        const text = await readFile(flags.endFile, 'utf8').catch((err: NodeJS.ErrnoException) => { throw new CliError(`--end-file ${flags.endFile}: cannot read it (${err.code ?? err.message}); run demo-exporter --backfill first`); });
        if (!/^\d{9,11}\s*$/.test(text)) throw new CliError(`--end-file ${flags.endFile}: expected unix seconds, found ${JSON.stringify(text.slice(0, 40))}`);
        endAt = Number(text);
      }
      const end = Math.floor((endAt ?? Date.now() / 1000) / 3600) * 3600;
      const spec = { seed: flags.seed, end, days: flags.days, scenario: 'demo' as const };
      if (flags.backfill) {
        await writeBackfill(flags.backfill, spec);
        await writeFile(`${flags.backfill}.end`, `${end}\n`);
        process.stdout.write(`wrote ${flags.days} days of the demo fleet up to ${new Date(end * 1000).toISOString()} to ${flags.backfill}\n`);
        return;
      }
      const logger = createLogger({ level: 'info' });
      const fx = buildFleetExposition(spec);
      const server = createServer((req, res) => {
        if (req.method !== 'GET') return void res.writeHead(405).end();
        if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(liveExposition(fx, Date.now() / 1000));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(new CliError(`cannot listen on ${flags.host}:${flags.port}: ${(err as Error).message}`)));
        server.listen(flags.port, flags.host, resolve);
      });
      logger.info({ port: flags.port, endpoints: fx.endpoints.length, historyEnd: new Date(end * 1000).toISOString() }, 'demo exporter serving /metrics');
      await untilSignal(() => new Promise((resolve) => server.close(() => resolve())), logger);
    });
}
