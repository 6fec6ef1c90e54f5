/** `simulate` queue: what-if table for `/slo-scout simulate ...`, answered in the PR's `simulate` comment. */
import { UnrecoverableError } from 'bullmq';
import { readRepoConfig } from '../app/config-check.js';
import { ensureTopicComment } from '../app/vcs/pr.js';
import { neutraliseMentions, quoteArg } from '../app/commands/quote.js';
import { UserInputError, type WorkerDeps } from '../app/ports.js';
import { SimulateJob } from '../app/queues.js';
import { fitSections, scopedReport } from '../app/commands/scope.js';

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
  // Without capacity=, the config's simulation.capacityPerReplica (default branch) is the measured capacity.
  const config = job.params.capacity === undefined ? await readRepoConfig(platform, repo, undefined, deps.configTrust) : { found: false as const };
  const simConfig = config.found && config.ok ? { simulation: config.config.simulation, path: config.path } : undefined;
  // An invalid config must not block a what-if; the answer says its capacities were not used.
  const note = config.found && !config.ok ? `\n\n> [!NOTE]\n> \`${config.path}\` on the default branch is invalid, so its \`simulation.capacityPerReplica\` was not used; its config check names the problem.` : '';
  let table: string;
  try {
    const { slo, ...params } = job.params;
    // One section per service, so a long answer is cut between services and names the rest.
    const scoped = slo ? report : scopedReport(report, job.service ? { kind: 'service', service: job.service } : { kind: 'all' });
    const services = slo ? [null] : [...new Set(scoped.proposals.map((p) => p.service))].sort();
    if (!services.length) throw new UserInputError(`no stored SLOs for service \`${job.service ?? ''}\`; run \`/slo-scout rerun\` first`);
    const sections = services.map((service) => ({
      id: service ?? slo!,
      text: deps.engine.simulate(service ? scopedReport(scoped, { kind: 'service', service }) : scoped, params, slo, simConfig),
    }));
    table = fitSections(sections, (id) => `\`/slo-scout simulate ${args.replace(/\s*--all/, '')} slo=<an SLO of ${id}>\``);
  } catch (err) {
    if (!(err instanceof UserInputError)) throw err;
    await ensureTopicComment(platform, repo, job.prNumber, 'simulate', neutraliseMentions(`${quoteArg(`/slo-scout simulate ${args}`, 200)}: ${err.message}`));
    throw new UnrecoverableError(err.message);
  }
  await ensureTopicComment(platform, repo, job.prNumber, 'simulate', neutraliseMentions(`### What-if: ${quoteArg(args, 200)}\n\n${table}${note}`));
  return 'answered';
}
