/**
 * `slo-scout audit --repo owner/name [--pr N] [--json]`: the Policy Guard audit log (who decided
 * what, on which head SHA, under which policy hash, and every verdict with its reasons).
 */
import type { Command } from 'commander';
import Table from 'cli-table3';
import { tableStyle } from './colour.js';
import { createPool } from '../store/db.js';
import { AuditStore, type StoredAuditEntry } from '../store/audit.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { examples } from './examples.js';

export interface AuditOptions {
  repo: string;
  pr?: string;
  json?: boolean;
  databaseUrl?: string;
}

export function formatAudit(entries: StoredAuditEntry[], json: boolean): string {
  if (json) {
    return `${JSON.stringify(entries.map((e) => ({
      time: e.createdAt.toISOString(), repo: e.repo, pr: e.prNumber, head_sha: e.headSha, actor: e.actor, channel: e.channel,
      event: e.event, verdict: e.verdict, policy_hash: e.policyHash, reasons: e.reasons,
    })), null, 2)}\n`;
  }
  if (entries.length === 0) return 'no audit entries\n';
  const table = new Table({ head: ['time (UTC)', 'PR', 'head', 'who', 'channel', 'event', 'verdict', 'reasons'], wordWrap: true, colWidths: [null, null, null, null, null, null, null, 60], style: tableStyle() });
  for (const e of entries) {
    table.push([e.createdAt.toISOString().replace('T', ' ').slice(0, 19), `#${e.prNumber}`, e.headSha.slice(0, 7), e.actor, e.channel, e.event, e.verdict ?? '', e.reasons.join('\n')]);
  }
  return `${table.toString()}\n`;
}

export async function runAudit(opts: AuditOptions): Promise<string> {
  if (!/^[^/\s]+\/[^/\s]+$/.test(opts.repo)) throw new CliError(`--repo "${opts.repo}" must be owner/name, e.g. acme/slos`, EXIT_INVALID);
  const pr = opts.pr === undefined ? undefined : Number(opts.pr);
  if (pr !== undefined && (!Number.isInteger(pr) || pr <= 0)) throw new CliError(`--pr "${opts.pr}" must be a pull request number`, EXIT_INVALID);
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new CliError('DATABASE_URL is not set: export DATABASE_URL=postgres://user@host:5432/db or pass --database-url', EXIT_INVALID);
  const pool = createPool(url, 1);
  try {
    return formatAudit(await new AuditStore(pool).list(opts.repo, pr), Boolean(opts.json));
  } catch (err) {
    throw new CliError(`cannot read the audit log: ${(err as Error).message} (is the database migrated? run slo-scout migrate)`);
  } finally {
    await pool.end();
  }
}

export function register(program: Command): void {
  program
    .command('audit')
    .description('Print the Policy Guard audit log of a repository (decisions and verdicts, oldest first)')
    .addHelpText('after', examples('audit'))
    .requiredOption('--repo <owner/name>', 'repository, e.g. acme/slos')
    .option('--pr <number>', 'only this pull request')
    .option('--json', 'machine-readable JSON instead of a table')
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL)')
    .action(async (opts: AuditOptions) => {
      process.stdout.write(await runAudit(opts));
    });
}
