/**
 * `slo-scout pr`: the GitHub App's analyse -> pull request path as one CI step, with a token
 * instead of an app, and no Redis or PostgreSQL (Renovate's and Sloth's way of being tried from a
 * CI job). Same pipeline (the Engine), same rendering and the same idempotent PR logic
 * (app/vcs/pr.ts) as the workers, so running it on a schedule updates one PR per service instead
 * of piling them up.
 */
import { appendFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { PrometheusDatasource, TempoDatasource } from '../config/analysis.js';
import { SecretError } from '../config/secret.js';
import { fixedClock, systemClock } from '../deps.js';
import { createEngine } from '../engine.js';
import { createLogger } from '../logger.js';
import { PrometheusError } from '../telemetry/prometheus/client.js';
import { branchName, contentHash, ensurePullRequest, hashInBody } from '../vcs/pr.js';
import type { Platform } from '../vcs/platform.js';
import { loadConfigOrDefault } from './analyze.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { parseEnd } from './options.js';
import { cliTrust, TRUST_CONFIG_HELP } from './trust.js';
import { explainHostError, platformFor, resolveTarget, type TokenTarget } from './pr-platform.js';

interface PrFlags {
  repo?: string;
  platform?: 'github' | 'gitlab';
  dryRun?: boolean;
  config?: string;
  prometheus?: string;
  tempo?: string;
  end?: number;
  botLogin?: string;
  logLevel: string;
  trustConfig?: boolean;
}

/** Test seam: Octokit options (retries off) for the token platform. */
export const prOptions: { octokit: Record<string, unknown> } = { octokit: {} };

export function register(program: Command): void {
  program
    .command('pr')
    .description('Analyse (config from .slo-scout.yml) and open or update one pull request per service with a token: GITHUB_TOKEN (Actions or a PAT) or GITLAB_TOKEN; no app, Redis or PostgreSQL')
    .option('--repo <owner/name>', 'repository (default: $GITHUB_REPOSITORY, or $CI_PROJECT_PATH on GitLab)')
    .addOption(new Option('--platform <host>', 'code host (default: gitlab inside GitLab CI or when only GITLAB_TOKEN is set)').choices(['github', 'gitlab']))
    .option('--dry-run', 'print the pull requests it would open or update, change nothing')
    .option('--config <file>', 'path to .slo-scout.yml (default: ./.slo-scout.yml when present)')
    .option('--prometheus <url>', 'Prometheus base URL (overrides datasources.prometheus.url)')
    .option('--tempo <url>', 'Tempo base URL (overrides datasources.tempo.url)')
    .option('--end <time>', 'analyse as of this moment: RFC 3339 or unix seconds (default: now)', parseEnd)
    .option('--bot-login <login>', 'login the token commits as (default: the token\'s user; github-actions[bot] for Actions\' GITHUB_TOKEN)')
    .option('--log-level <level>', 'pino log level on stderr', 'warn')
    .option('--trust-config', TRUST_CONFIG_HELP)
    .action(async (flags: PrFlags) => {
      const t = cliTrust(flags.trustConfig);
      const { config } = await loadConfigOrDefault(flags.config, t.trust);
      try {
        if (flags.prometheus) config.datasources.prometheus = PrometheusDatasource.parse({ ...config.datasources.prometheus, url: flags.prometheus });
        if (flags.tempo) config.datasources.tempo = TempoDatasource.parse({ ...config.datasources.tempo, url: flags.tempo });
      } catch {
        throw new CliError(`--prometheus/--tempo: expected an http(s) URL, e.g. http://prometheus:9090`, EXIT_INVALID);
      }
      const env = process.env;
      let target: TokenTarget | undefined;
      try {
        target = resolveTarget(flags, env);
      } catch (err) {
        // A dry run needs no token: it then prints the plan without looking at existing PRs.
        if (!flags.dryRun) throw err;
      }
      const logger = createLogger({ level: flags.logLevel });
      const clock = flags.end === undefined ? systemClock : fixedClock(new Date(flags.end * 1000));
      const engine = createEngine({ logger, clock, env: t.env, trust: t.trust, fetch: t.fetch });
      // Check the token before the analysis (minutes on a large Prometheus), not after.
      const platform = target ? await platformFor(target, logger, env, prOptions.octokit) : undefined;
      let report;
      try {
        report = await engine.analyze({ config, repo: target?.repo ?? { owner: '', repo: '' } });
      } catch (err) {
        if (err instanceof PrometheusError || err instanceof SecretError || /no Prometheus URL/.test((err as Error).message)) throw new CliError((err as Error).message);
        throw err;
      }
      const variants = { '*': config.pullRequests.variant };
      const rendered = engine.render(report, { config, variants });
      const where = target ? `${target.repo.owner}/${target.repo.repo}` : '(no token: existing pull requests not checked)';
      if (!rendered.length) {
        process.stdout.write(`No SLO proposals for ${where}: ${report.skipped?.length ?? 0} endpoint(s) skipped (run \`slo-scout analyze\` for the reasons). Nothing to open.\n`);
        return;
      }
      const pr = config.pullRequests;
      const lines: string[] = [];
      for (const r of rendered) {
        const branch = branchName(pr.branchPrefix, r.service, pr.branches, clock.now());
        if (flags.dryRun) {
          lines.push(`${await plan(platform, target, branch, r)}  ${branch}  "${r.title}"`);
          for (const f of r.files) lines.push(`    ${f.path} (${Buffer.byteLength(f.content)} bytes)`);
          continue;
        }
        try {
          const out = await ensurePullRequest(platform!, target!.repo, { branch, title: r.title, body: r.body, files: r.files, labels: pr.labels }, logger);
          lines.push(out.action === 'blocked-by-human-commits'
            ? `not updated  ${branch}: it has commits by people (${out.humanCommits.map((s) => s.slice(0, 7)).join(', ')}); merge or close${out.pr ? ` ${out.pr.url}` : ' it'}`
            : `${out.action.padEnd(9)} ${out.pr.url}  ${branch}`);
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError(explainHostError(err, target!));
        }
      }
      process.stdout.write(`${flags.dryRun ? `Dry run for ${where}: nothing was changed.\n` : ''}${lines.join('\n')}\n`);
      if (env.GITHUB_STEP_SUMMARY && !flags.dryRun) {
        await appendFile(env.GITHUB_STEP_SUMMARY, `### SLO-Scout\n\n${lines.map((l) => `- ${l.trim()}`).join('\n')}\n`).catch(() => undefined);
      }
    });
}


async function plan(platform: Platform | undefined, target: TokenTarget | undefined, branch: string, r: { title: string; body: string; files: Array<{ path: string; content: string }> }): Promise<string> {
  if (!platform || !target) return 'would open or update';
  let existing;
  try {
    existing = await platform.findOpenPullRequest(target.repo, branch);
  } catch (err) {
    throw new CliError(explainHostError(err, target));
  }
  if (!existing) return 'would open';
  return hashInBody(existing.body) === contentHash(r) ? `unchanged (${existing.url})` : `would update ${existing.url}`;
}
