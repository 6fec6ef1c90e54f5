/**
 * The GitHub App's own slash-commands. Long work (analysis, simulation) goes to the queues with
 * job ids derived from the comment id, so a retried webhook job does not queue it twice.
 */
import { VariantType, VARIANT_TYPES } from '../core/report.js';
import type { ReportStore } from '../store/reports.js';
import type { Queues } from '../queues.js';
import type { Engine } from '../ports.js';
import { UserInputError } from '../ports.js';
import type { CommandHandler, CommandRegistry } from './registry.js';

export interface BuiltinDeps {
  queues: Queues;
  reports: ReportStore;
  engine: Engine;
}

/** Parameters `simulate` understands; anything else is a typo worth reporting. */
export const SIMULATE_PARAMS = ['replicas', 'traffic', 'canary', 'version', 'slo', 'capacity'] as const;

export function registerBuiltinCommands(registry: CommandRegistry, deps: BuiltinDeps): CommandRegistry {
  for (const h of builtinCommands(registry, deps)) registry.register(h);
  return registry;
}

function builtinCommands(registry: CommandRegistry, deps: BuiltinDeps): CommandHandler[] {
  return [
    {
      name: 'help', usage: 'help', summary: 'this list', permission: 'read',
      run: async () => ({ reply: `### SLO-Scout commands\n\n${registry.helpText()}\n\nCommands that change the branch need write access; fork PRs are never changed.` }),
    },
    {
      name: 'rerun', usage: 'rerun', summary: 'analyse again now and update this PR if the numbers changed', permission: 'write',
      run: async ({ invocation: i }) => {
        await deps.queues.get('analyze').add('rerun', { owner: i.owner, repo: i.repo, platform: i.platform, installationId: i.installationId, reason: 'command', prNumber: i.prNumber }, { jobId: `rerun-${i.platform}-${i.commentId}` });
        return { reply: `@${i.author} re-analysis queued; this PR is updated if the proposal changes (a rerun with identical numbers changes nothing).` };
      },
    },
    {
      name: 'variant', usage: 'variant <conservative|balanced|aggressive> [slo-id]', summary: 'write the files with another variant (for one SLO or all)', permission: 'write',
      run: async ({ invocation: i }) => {
        const [wanted, sloId = '*'] = i.args;
        const variant = VariantType.safeParse(wanted);
        if (!variant.success) throw new UserInputError(`choose one of ${VARIANT_TYPES.join(', ')} (got ${JSON.stringify(wanted ?? '')}), e.g. \`/slo-scout variant conservative checkout-latency\``);
        const report = await deps.reports.latest(i.platform, `${i.owner}/${i.repo}`);
        if (sloId !== '*' && report && !report.proposals.some((p) => p.sloId === sloId)) {
          throw new UserInputError(`unknown slo id "${sloId}"; this repo's SLOs: ${report.proposals.map((p) => `\`${p.sloId}\``).join(', ')}`);
        }
        await deps.reports.setVariant(i.platform, `${i.owner}/${i.repo}`, sloId, variant.data, i.author);
        await deps.queues.get('analyze').add('variant', { owner: i.owner, repo: i.repo, platform: i.platform, installationId: i.installationId, reason: 'command', prNumber: i.prNumber, variant: variant.data, sloId: sloId === '*' ? undefined : sloId, reuseReport: true }, { jobId: `variant-${i.platform}-${i.commentId}` });
        return { reply: `@${i.author} switching ${sloId === '*' ? 'every SLO' : `\`${sloId}\``} to the **${variant.data}** variant; the files on this branch are regenerated shortly.` };
      },
    },
    {
      name: 'simulate', usage: 'simulate replicas=5 traffic=1.2 canary=10 version=v1.4.2 [capacity=<req/s per replica>] [slo=<slo-id>]', summary: 'what-if: breach rate and budget under other replicas, traffic, canary share, version or a measured capacity', permission: 'read',
      run: async ({ invocation: i }) => {
        const unknown = Object.keys(i.options).filter((k) => !(SIMULATE_PARAMS as readonly string[]).includes(k));
        if (unknown.length || i.args.length) throw new UserInputError(`unknown parameter${unknown.length + i.args.length > 1 ? 's' : ''} ${[...unknown, ...i.args].map((k) => `\`${k}\``).join(', ')}; use ${SIMULATE_PARAMS.map((k) => `\`${k}=\``).join(' ')}`);
        if (!Object.keys(i.options).length) throw new UserInputError('give at least one parameter, e.g. `/slo-scout simulate replicas=5 traffic=1.2`');
        await deps.queues.get('simulate').add('simulate', { owner: i.owner, repo: i.repo, platform: i.platform, installationId: i.installationId, prNumber: i.prNumber, params: i.options }, { jobId: `simulate-${i.platform}-${i.commentId}` });
        return { reply: `@${i.author} simulating \`${Object.entries(i.options).map(([k, v]) => `${k}=${v}`).join(' ')}\`…`, topic: 'simulate' };
      },
    },
    {
      name: 'explain', usage: 'explain <slo-id>', summary: 'the evidence and the computation behind each number of one SLO', permission: 'read',
      run: async ({ invocation: i }) => {
        const sloId = i.args[0];
        const report = await deps.reports.latest(i.platform, `${i.owner}/${i.repo}`);
        if (!report) throw new UserInputError('no analysis stored for this repo yet; run `/slo-scout rerun` first');
        if (!sloId) throw new UserInputError(`name an SLO: ${report.proposals.map((p) => `\`${p.sloId}\``).join(', ')}`);
        const text = deps.engine.explain(report, sloId);
        if (text === null) throw new UserInputError(`unknown slo id "${sloId}"; this repo's SLOs: ${report.proposals.map((p) => `\`${p.sloId}\``).join(', ')}`);
        return { reply: text, topic: `explain-${sloId}` };
      },
    },
  ];
}
