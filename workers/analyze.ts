/**
 * `analyze` queue: read the repo's config from the default branch, run the analysis (or reuse
 * the stored report for a variant switch), render one PR per service and hand each to `open-pr`.
 */
import { UnrecoverableError } from 'bullmq';
import { readRepoConfig } from '../app/config-check.js';
import { formatConfigError } from '../app/config/schema.js';
import { branchName, contentHash, ensureTopicComment } from '../app/vcs/pr.js';
import { neutraliseMentions } from '../app/commands/quote.js';
import { UserInputError, type WorkerDeps } from '../app/ports.js';
import { AnalyzeJob, type OpenPrJob } from '../app/queues.js';
import { serviceMarker } from '../app/commands/scope.js';
import { codeownersPaths, type CodeownersPlatform } from '../app/policy/codeowners.js';
import { isProgrammingError } from './errors.js';

/** CODEOWNERS on the default branch (the code host's own locations, first found) for the team routing label. */
async function readCodeowners(platform: { readFile(repo: { owner: string; repo: string }, path: string): Promise<string | null> }, repo: { owner: string; repo: string }, host: CodeownersPlatform): Promise<string | undefined> {
  for (const path of codeownersPaths(host)) {
    // A routing label is a nicety: an unreadable CODEOWNERS must not fail the analysis.
    const text = await platform.readFile(repo, path).catch(() => null);
    if (text !== null) return text;
  }
  return undefined;
}


export async function processAnalyzeJob(data: unknown, deps: WorkerDeps): Promise<{ prs: number }> {
  const job = AnalyzeJob.parse(data);
  const repo = { owner: job.owner, repo: job.repo };
  const full = `${job.owner}/${job.repo}`;
  const platform = await deps.platformFor(job.platform, job.installationId);
  // The status comment is written by onAnalyzeFailed (run.ts calls it once the job failed for good).
  const fail = (message: string): Promise<never> => Promise.reject(new UnrecoverableError(message));
  const config = await readRepoConfig(platform, repo, undefined, deps.configTrust);
  if (!config.found) return fail('there is no `.slo-scout.yml` on the default branch; add one (see docs/github-app.md) and run `/slo-scout rerun`');
  if (!config.ok) return fail(`\`${config.path}\` on the default branch is invalid:\n${config.errors.errors.map((e) => `- \`${formatConfigError(e)}\``).join('\n')}`);

  let report = job.reuseReport ? await deps.reports.latest(job.platform, full) : null;
  if (!report) {
    try {
      report = await deps.engine.analyze({ config: config.config, services: job.service ? [job.service] : undefined, repo });
    } catch (err) {
      // A refused datasource address, an oversized reply or a run over its time limit: tell the PR.
      if (err instanceof UserInputError) return fail(err.message);
      throw err;
    }
    await deps.reports.save(job.platform, full, report);
  }
  const variants = { '*': config.config.pullRequests.variant, ...(await deps.reports.variants(job.platform, full)) };
  const codeowners = config.config.routing.codeowners ? await readCodeowners(platform, repo, job.platform) : undefined;
  // The details pages read GitHub reports only (app/web/data.ts), so only GitHub PRs link to them.
  const detailsRepo = job.platform === 'github' ? { repo: full } : {};
  const pr = config.config.pullRequests;
  const runAt = deps.clock.now();
  const branchFor = (service: string) => branchName(pr.branchPrefix, service, pr.branches, runAt);
  // The body links the charts on the branch the files are committed to, so they render in the PR.
  const rendered = deps.engine.render(report, { config: config.config, variants, target: { platform: job.platform, repo, branchFor }, ...(codeowners ? { codeowners } : {}), ...detailsRepo });
  // A command scoped to one PR (variant in a per-service PR) re-renders that PR only.
  const targets = job.reuseReport && job.service ? rendered.filter((r) => r.service === job.service) : rendered;
  for (const r of targets) {
    const branch = branchFor(r.service);
    const payload: OpenPrJob = { owner: job.owner, repo: job.repo, platform: job.platform, installationId: job.installationId, branch, title: r.title, body: `${r.body}\n\n${serviceMarker(r.service)}`, files: r.files, labels: pr.labels };
    // Same content -> same job id: identical reruns collapse into one open-pr job.
    const jobId = `pr-${job.platform}-${full}-${branch}-${contentHash(r).slice(0, 16)}`.replace(/[^A-Za-z0-9._-]/g, '_');
    await deps.queues.get('open-pr').add('open-pr', payload, { jobId });
  }
  deps.logger.info({ repo: full, prs: targets.length, reason: job.reason }, 'analysis done');
  return { prs: targets.length };
}

/** The topic comment a command's analysis answers in: the one that said "queued". */
const statusTopic = (job: AnalyzeJob) => (job.reuseReport ? 'variant' : 'rerun');

/**
 * A failed analysis edits the PR's status comment in place ("re-analysis queued" becomes the
 * cause and what to do). Scheduled and install-time analyses have no PR: the log line is theirs.
 */
export async function onAnalyzeFailed(data: unknown, err: unknown, deps: WorkerDeps): Promise<void> {
  const parsed = AnalyzeJob.safeParse(data);
  if (!parsed.success || !parsed.data.prNumber) return;
  const job = parsed.data;
  const prNumber = parsed.data.prNumber;
  const full = `${job.owner}/${job.repo}`;
  const platform = await deps.platformFor(job.platform, job.installationId);
  const permanent = err instanceof UnrecoverableError;
  const cause = (err instanceof Error ? err.message : String(err)).slice(0, 3_000);
  const text = permanent
    ? `SLO-Scout could not analyse ${full}: ${cause}`
    : isProgrammingError(err) ? [
      `SLO-Scout could not analyse ${full}: an internal error in SLO-Scout stopped the analysis.`,
      '',
      `Cause: \`${`${err.name}: ${cause}`.replace(/`/g, "'")}\``,
      '',
      'This is a bug in SLO-Scout, not a problem with your config or datasources: a rerun fails the same way until it is fixed. Report it with the worker log line "job failed on an internal error" (it has the stack). Nothing on this pull request was changed.',
    ].join('\n') : [
      `SLO-Scout could not analyse ${full}: the analysis failed on every retry.`,
      '',
      `Cause: \`${cause.replace(/`/g, "'")}\``,
      '',
      'What to do: check that the datasources in `.slo-scout.yml` (Prometheus, Tempo) answer from the SLO-Scout worker, then comment `/slo-scout rerun`. Nothing on this pull request was changed.',
    ].join('\n');
  await ensureTopicComment(platform, { owner: job.owner, repo: job.repo }, prNumber, statusTopic(job), neutraliseMentions(text));
}
