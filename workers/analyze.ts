/**
 * `analyze` queue: read the repo's config from the default branch, run the analysis (or reuse
 * the stored report for a variant switch), render one PR per service and hand each to `open-pr`.
 */
import { UnrecoverableError } from 'bullmq';
import { readRepoConfig } from '../app/config-check.js';
import { formatConfigError } from '../app/config/schema.js';
import { contentHash, ensureTopicComment } from '../app/vcs/pr.js';
import { neutraliseMentions } from '../app/commands/quote.js';
import { UserInputError, type WorkerDeps } from '../app/ports.js';
import { AnalyzeJob, type OpenPrJob } from '../app/queues.js';

function branchName(prefix: string, service: string, mode: 'per-service' | 'per-run', runAt: Date): string {
  const safe = service.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'service';
  return mode === 'per-service' ? `${prefix}${safe}` : `${prefix}${safe}-${runAt.toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;
}

export async function processAnalyzeJob(data: unknown, deps: WorkerDeps): Promise<{ prs: number }> {
  const job = AnalyzeJob.parse(data);
  const repo = { owner: job.owner, repo: job.repo };
  const full = `${job.owner}/${job.repo}`;
  const platform = await deps.platformFor(job.platform, job.installationId);
  const fail = async (message: string): Promise<never> => {
    // Config errors quote the repository's own text: never let it mention anyone.
    if (job.prNumber) await ensureTopicComment(platform, repo, job.prNumber, 'rerun', neutraliseMentions(`SLO-Scout could not analyse ${full}: ${message}`));
    throw new UnrecoverableError(message);
  };
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
  const rendered = deps.engine.render(report, { config: config.config, variants });
  const pr = config.config.pullRequests;
  for (const r of rendered) {
    const branch = branchName(pr.branchPrefix, r.service, pr.branches, deps.clock.now());
    const payload: OpenPrJob = { owner: job.owner, repo: job.repo, platform: job.platform, installationId: job.installationId, branch, title: r.title, body: r.body, files: r.files, labels: pr.labels };
    // Same content -> same job id: identical reruns collapse into one open-pr job.
    const jobId = `pr-${job.platform}-${full}-${branch}-${contentHash(r).slice(0, 16)}`.replace(/[^A-Za-z0-9._-]/g, '_');
    await deps.queues.get('open-pr').add('open-pr', payload, { jobId });
  }
  deps.logger.info({ repo: full, prs: rendered.length, reason: job.reason }, 'analysis done');
  return { prs: rendered.length };
}
