/**
 * The GitHub App's own slash-commands. Long work (analysis, simulation) goes to the queues with
 * job ids derived from the comment id, so a retried webhook job does not queue it twice.
 */
import { VariantType, VARIANT_TYPES } from '../core/report.js';
import type { ReportStore } from '../store/reports.js';
import type { Queues } from '../queues.js';
import type { Engine } from '../ports.js';
import { UserInputError } from '../ports.js';
import type { CommandHandler, CommandInvocation, CommandRegistry } from './registry.js';
import { quoteArg } from './quote.js';
import { ALL_FLAG, describeScope, fitSections, resolveScope, scopedReport, serviceOfBody } from './scope.js';

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

/** The service of the PR the command is on (its hidden marker), or null (per-run PR, older PR, GitLab note without one). */
async function prService(i: CommandInvocation): Promise<string | null> {
  return i.pullRequest ? serviceOfBody((await i.pullRequest()).body) : null;
}

const sloList = (ids: string[]) => ids.map((id) => `\`${id}\``).join(', ');

function builtinCommands(registry: CommandRegistry, deps: BuiltinDeps): CommandHandler[] {
  return [
    {
      name: 'help', usage: 'help', summary: 'this list', permission: 'read',
      run: async () => ({ reply: `### SLO-Scout commands\n\n${registry.helpText()}\n\nCommands that change the branch need write access; fork PRs are never changed.` }),
    },
    {
      name: 'rerun', usage: 'rerun', summary: 'analyse again now and update this PR if the numbers changed', permission: 'write',
      run: async ({ invocation: i }) => ({
        reply: `@${i.author} re-analysis queued; SLO-Scout's pull requests are updated where a proposal changes (a rerun with identical numbers changes nothing).`,
        // Queued after the reply exists, so a failure edits this comment instead of racing it.
        after: async () => {
          await deps.queues.get('analyze').add('rerun', { owner: i.owner, repo: i.repo, platform: i.platform, installationId: i.installationId, reason: 'command', prNumber: i.prNumber }, { jobId: `rerun-${i.platform}-${i.commentId}` });
        },
      }),
    },
    {
      name: 'variant', usage: `variant <conservative|balanced|aggressive> [slo-id|${ALL_FLAG}]`, summary: "write this PR's files with another variant (one SLO, or every service with --all)", permission: 'write',
      run: async ({ invocation: i }) => {
        const [wanted, target] = i.args;
        const variant = VariantType.safeParse(wanted);
        if (!variant.success) throw new UserInputError(`choose one of ${VARIANT_TYPES.join(', ')} (got ${quoteArg(wanted ?? '')}), e.g. \`/slo-scout variant conservative checkout-latency\``);
        const repo = `${i.owner}/${i.repo}`;
        const report = await deps.reports.latest(i.platform, repo);
        const scope = resolveScope({ all: target === ALL_FLAG, sloId: target === ALL_FLAG ? undefined : target, prService: await prService(i) });
        if (scope.kind === 'slo' && report && !report.proposals.some((p) => p.sloId === scope.sloId)) {
          throw new UserInputError(`unknown slo id ${quoteArg(scope.sloId)}; this repo's SLOs: ${sloList(report.proposals.map((p) => p.sloId))}`);
        }
        // A per-service PR switches only its own SLOs and re-renders only its own branch.
        // `--all` also overwrites earlier per-SLO choices, which would otherwise win over '*'.
        const ids = scope.kind === 'all' ? ['*', ...(report?.proposals.map((p) => p.sloId) ?? [])] : scope.kind === 'slo' ? [scope.sloId] : (report ? scopedReport(report, scope).proposals.map((p) => p.sloId) : []);
        if (!ids.length) throw new UserInputError(`no stored SLOs for service \`${scope.kind === 'service' ? scope.service : ''}\`; run \`/slo-scout rerun\` first`);
        for (const id of ids) await deps.reports.setVariant(i.platform, repo, id, variant.data, i.author);
        const service = scope.kind === 'service' ? scope.service : scope.kind === 'slo' ? report?.proposals.find((p) => p.sloId === scope.sloId)?.service : undefined;
        return {
          reply: `@${i.author} switching ${describeScope(scope)} to the **${variant.data}** variant; the files on ${scope.kind === 'all' ? 'every SLO-Scout branch' : 'this branch'} are regenerated shortly.`,
          after: async () => {
            await deps.queues.get('analyze').add('variant', { owner: i.owner, repo: i.repo, platform: i.platform, installationId: i.installationId, reason: 'command', prNumber: i.prNumber, variant: variant.data, ...(scope.kind === 'slo' ? { sloId: scope.sloId } : {}), ...(service ? { service } : {}), reuseReport: true }, { jobId: `variant-${i.platform}-${i.commentId}` });
          },
        };
      },
    },
    {
      name: 'simulate', usage: `simulate replicas=5 traffic=1.2 canary=10 version=v1.4.2 [capacity=<req/s per replica>] [slo=<slo-id>|${ALL_FLAG}]`, summary: "what-if for this PR's SLOs: breach rate and budget under other replicas, traffic, canary share, version or a measured capacity", permission: 'read',
      run: async ({ invocation: i }) => {
        const all = i.args.includes(ALL_FLAG);
        const args = i.args.filter((a) => a !== ALL_FLAG);
        const unknown = Object.keys(i.options).filter((k) => !(SIMULATE_PARAMS as readonly string[]).includes(k));
        if (unknown.length || args.length) throw new UserInputError(`unknown parameter${unknown.length + args.length > 1 ? 's' : ''} ${[...unknown, ...args].slice(0, 10).map((k) => quoteArg(k)).join(', ')}; use ${SIMULATE_PARAMS.map((k) => `\`${k}=\``).join(' ')} or \`${ALL_FLAG}\``);
        if (!Object.keys(i.options).some((k) => k !== 'slo')) throw new UserInputError('give at least one parameter, e.g. `/slo-scout simulate replicas=5 traffic=1.2`');
        const scope = resolveScope({ all, sloId: i.options.slo, prService: await prService(i) });
        return {
          reply: `@${i.author} simulating ${quoteArg(Object.entries(i.options).map(([k, v]) => `${k}=${v}`).join(' '), 200)} for ${describeScope(scope)}…`,
          topic: 'simulate',
          // The job edits this very comment: queue it only once the comment exists (one reply per command).
          after: async () => {
            await deps.queues.get('simulate').add('simulate', { owner: i.owner, repo: i.repo, platform: i.platform, installationId: i.installationId, prNumber: i.prNumber, params: i.options, ...(scope.kind === 'service' ? { service: scope.service } : {}) }, { jobId: `simulate-${i.platform}-${i.commentId}` });
          },
        };
      },
    },
    {
      name: 'explain', usage: `explain [slo-id|${ALL_FLAG}]`, summary: "the evidence and the computation behind each number of this PR's SLOs (or one SLO)", permission: 'read',
      run: async ({ invocation: i }) => {
        const [target] = i.args;
        const report = await deps.reports.latest(i.platform, `${i.owner}/${i.repo}`);
        if (!report) throw new UserInputError('no analysis stored for this repo yet; run `/slo-scout rerun` first');
        const all = target === ALL_FLAG;
        const service = all || target ? null : await prService(i);
        if (!all && !target && !service) throw new UserInputError(`name an SLO or add \`${ALL_FLAG}\`: ${sloList(report.proposals.map((p) => p.sloId))}`);
        const scope = resolveScope({ all, sloId: all ? undefined : target, prService: service });
        if (scope.kind === 'slo') {
          const text = deps.engine.explain(report, scope.sloId);
          if (text === null) throw new UserInputError(`unknown slo id ${quoteArg(scope.sloId)}; this repo's SLOs: ${sloList(report.proposals.map((p) => p.sloId))}`);
          return { reply: fitSections([{ id: scope.sloId, text }], () => ''), topic: `explain-${scope.sloId}` };
        }
        const ids = scopedReport(report, scope).proposals.map((p) => p.sloId);
        const sections = ids.map((id) => ({ id, text: deps.engine.explain(report, id) ?? '' })).filter((s) => s.text);
        if (!sections.length) throw new UserInputError(`no stored SLOs for ${describeScope(scope)}; run \`/slo-scout rerun\` first`);
        return { reply: fitSections(sections, (id) => `\`/slo-scout explain ${id}\``), topic: scope.kind === 'service' ? `explain-${scope.service}` : 'explain-all' };
      },
    },
  ];
}
