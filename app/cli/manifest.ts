/**
 * What `slo-scout --help` lists, without loading any command. Importing a command module pulls in
 * its whole dependency graph (pg, bullmq, probot, the engine), which cost ~1.5 s before the first
 * line of help; so the top-level program registers light stubs from this table and imports only
 * the module of the command actually run. test/cli/manifest.test.ts keeps each entry equal to what
 * its module registers (name, arguments, description).
 *
 * Add a command: a file app/cli/<name>.ts exporting `register(program)`, and one entry here.
 */
import type { Command } from 'commander';

export interface CommandEntry {
  /** Name plus its arguments as commander writes them, e.g. `validate <files...>`. */
  usage: string;
  description: string;
  /** Literal import specifiers (not a computed path) so bundlers and vitest can follow them. */
  load: () => Promise<{ register(p: Command): void }>;
}

export const COMMANDS: CommandEntry[] = [
  { usage: 'init', description: 'Write a starter .slo-scout.yml from what Prometheus holds (histogram, labels, services, probe routes), each choice explained in a comment', load: () => import('./init.js') },
  { usage: 'analyze', description: 'Query Prometheus (and Tempo) and propose latency and availability SLOs for every endpoint', load: () => import('./analyze.js') },
  { usage: 'demo', description: 'Run the full pipeline on a built-in synthetic fleet (13 services, a regressing deploy, an incident, a low-traffic service, health checks); no services needed', load: () => import('./demo.js') },
  { usage: 'demo-exporter', description: 'Serve the demo\'s synthetic fleet as live Prometheus metrics on /metrics, or write its history for promtool with --backfill', load: () => import('./demo-exporter.js') },
  { usage: 'validate <paths...>', description: 'Check .slo-scout.yml, policy files, OpenSLO, Sloth, Prometheus rules, PrometheusRule, Pyrra SLOs, report.json and dashboards (recognised by content); exit 2 when any problem', load: () => import('./validate.js') },
  { usage: 'simulate', description: 'What if traffic grows, replicas change, a version is canaried or rolled back: projected breach rate, interval and error-budget impact', load: () => import('./simulate.js') },
  { usage: 'capsules <file>', description: 'Group log lines into capsules (templates) with the Drain miner the OTLP intake uses', load: () => import('./capsules.js') },
  { usage: 'serve', description: 'Run the GitHub App: webhooks at WEBHOOK_PATH (default /api/github/webhooks), /healthz, /readyz, /metrics, OTLP/HTTP /v1/* and /webhooks/alertmanager (when their secrets are set), the details pages under /ui (when SLO_SCOUT_UI_SECRET is set) and the other routes', load: () => import('./serve.js') },
  { usage: 'worker', description: 'Run the BullMQ workers (webhook, analyze, open-pr, simulate, policy-evaluate, retention hourly); graceful on SIGTERM', load: () => import('./worker.js') },
  { usage: 'migrate', description: 'Apply pending database migrations (DATABASE_URL); serve and worker also do this on start', load: () => import('./migrate.js') },
  { usage: 'pr', description: 'Analyse (config from .slo-scout.yml) and open or update one pull request per service with a token: GITHUB_TOKEN (Actions or a PAT) or GITLAB_TOKEN; no app, Redis or PostgreSQL', load: () => import('./pr.js') },
  { usage: 'completion <shell>', description: 'Print a shell completion script for bash or zsh', load: () => import('./completion.js') },
  { usage: 'setup', description: 'Register the GitHub App from app.yml (GitHub\'s manifest flow) and write APP_ID, PRIVATE_KEY, WEBHOOK_SECRET and the client id/secret to .env', load: () => import('./setup.js') },
  { usage: 'audit', description: 'Print the Policy Guard audit log of a repository (decisions and verdicts, oldest first)', load: () => import('./audit.js') },
];

export function commandName(e: CommandEntry): string {
  return e.usage.split(' ')[0]!;
}

/**
 * The command argv asks for: the first word that is not an option (`help <cmd>` names its
 * argument). Commander's only program-level options are --help/-h and --version/-V, so no option
 * takes a value that could be mistaken for the command.
 */
export function requestedCommand(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
