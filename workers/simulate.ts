/** `simulate` queue: what-if table for `/slo-scout simulate ...`, answered in the PR's `simulate` comment. */
import { UnrecoverableError } from 'bullmq';
import { ensureTopicComment } from '../app/vcs/pr.js';
import { neutraliseMentions, quoteArg } from '../app/commands/quote.js';
import { UserInputError, type WorkerDeps } from '../app/ports.js';
import { SimulateJob } from '../app/queues.js';

export async function processSimulateJob(data: unknown, deps: WorkerDeps): Promise<'answered'> {
  const job = SimulateJob.parse(data);
  const repo = { owner: job.owner, repo: job.repo };
  const platform = await deps.platformFor(job.platform, job.installationId);
  const args = Object.entries(job.params).map(([k, v]) => `${k}=${v}`).join(' ');
  const report = await deps.reports.latest(job.platform, `${job.owner}/${job.repo}`);
  if (!report) {
    await ensureTopicComment(platform, repo, job.prNumber, 'simulate', neutraliseMentions(`No analysis is stored for this repo yet, so there is nothing to simulate. Run \`/slo-scout rerun\`, then ${quoteArg(`/slo-scout simulate ${args}`, 200)} again.`));
    throw new UnrecoverableError('no stored report');
  }
  let table: string;
  try {
    const { slo, ...params } = job.params;
    table = deps.engine.simulate(report, params, slo);
  } catch (err) {
    if (!(err instanceof UserInputError)) throw err;
    await ensureTopicComment(platform, repo, job.prNumber, 'simulate', neutraliseMentions(`${quoteArg(`/slo-scout simulate ${args}`, 200)}: ${err.message}`));
    throw new UnrecoverableError(err.message);
  }
  await ensureTopicComment(platform, repo, job.prNumber, 'simulate', neutraliseMentions(`### What-if: ${quoteArg(args, 200)}\n\n${table}`));
  return 'answered';
}
