/**
 * Approval channels -> recorded decisions -> re-evaluation. Each handler records what the channel
 * said (append-only, deduped by the channel's event id), audits it, and asks for a re-evaluation;
 * whether the decision COUNTS is decided by the evaluator (identity mapping, rights, SHA).
 */
import type { CommandHandler, CommandInvocation, CommandResult } from '../commands/registry.js';
import type { SlackDecision } from '../chat/slack.js';
import type { PagerDutyAck, PagerDutyClient } from '../chat/pagerduty.js';
import type { AuditStore } from '../store/audit.js';
import type { DecisionStore } from '../store/approvals.js';
import type { SlackClient } from '../chat/slack.js';
import type { Logger } from '../logger.js';

export interface DecisionDeps {
  decisions: DecisionStore;
  audit: AuditStore;
  logger: Logger;
  /** Enqueue a `policy-evaluate` job (or evaluate inline in tests). */
  requestEvaluation(job: { repo: string; prNumber: number; platform?: 'github' | 'gitlab'; installationId?: number; trigger: 'comment' | 'slack' | 'pagerduty' }): Promise<void>;
  /**
   * Where a Slack/PagerDuty notification of the PR was sent from (kept in its ref): the code host
   * (GitHub when absent) and, on GitHub, the App installation. A click or an acknowledgement
   * carries neither, and the evaluation needs both.
   */
  notifiedTarget?(repo: string, prNumber: number, kind: 'slack' | 'pagerduty'): Promise<NotifiedTarget>;
  /** Head SHA of an open PR, when the command invocation does not carry it. */
  headShaOf?(repo: string, prNumber: number, installationId?: number): Promise<string>;
}

function decisionCommand(deps: DecisionDeps, decision: 'approve' | 'reject'): CommandHandler {
  return {
    name: decision,
    summary: decision === 'approve' ? 'approve this SLO change for Policy Guard (approvers only)' : 'reject this SLO change (blocks the Policy Guard check)',
    usage: `${decision} [reason]`,
    // Anyone may say it; whether it counts (approver lists, teams, CODEOWNERS, self-approval) is the policy's call.
    permission: 'read',
    async run({ invocation: inv }): Promise<CommandResult> {
      const repo = `${inv.owner}/${inv.repo}`;
      const log = deps.logger.child({ repo, pr: inv.prNumber, commentId: inv.commentId, command: decision });
      // GitLab has no installation: the MR is read through the dispatcher's platform.
      const sha = inv.headSha ?? (inv.platform === 'gitlab' ? (await inv.pullRequest?.())?.headSha : await deps.headShaOf?.(repo, inv.prNumber, inv.installationId));
      if (!sha) throw new Error(`cannot record ${decision} on ${repo}#${inv.prNumber}: the head SHA is unknown`);
      if (inv.editedByOther) {
        log.warn({ author: inv.author }, 'policy decision ignored: the comment was edited by someone other than its author');
        await deps.audit.append({ repo, prNumber: inv.prNumber, headSha: sha, actor: inv.author, channel: 'comment', event: 'ignored', reasons: [`comment ${inv.commentId} was edited by someone other than @${inv.author}; its ${decision} is ignored`] });
        return { reply: `Ignored: this \`${decision}\` comment was edited by someone other than @${inv.author}. Post a new comment instead.`, topic: 'policy' };
      }
      return record(deps, { repo, prNumber: inv.prNumber, sha, inv, decision });
    },
  };
}

async function record(deps: DecisionDeps, a: { repo: string; prNumber: number; sha: string; inv: CommandInvocation; decision: 'approve' | 'reject' }): Promise<CommandResult> {
  const reason = a.inv.args.join(' ').trim() || null;
  // The decision text is part of the id: editing "approve" into "reject" is a new decision, a retry is not.
  const { inserted } = await deps.decisions.record({ repo: a.repo, prNumber: a.prNumber, headSha: a.sha, channel: 'comment', identity: a.inv.author, decision: a.decision, reason, sourceId: `${a.inv.commentId}:${a.decision}:${a.sha}` });
  if (inserted) {
    await deps.audit.append({ repo: a.repo, prNumber: a.prNumber, headSha: a.sha, actor: a.inv.author, channel: 'comment', event: a.decision, reasons: reason ? [reason] : [] });
    await deps.requestEvaluation({ repo: a.repo, prNumber: a.prNumber, platform: a.inv.platform, installationId: a.inv.installationId, trigger: 'comment' });
  }
  return { reply: `Recorded \`${a.decision}\` by @${a.inv.author} for ${a.sha.slice(0, 7)}; the **SLO-Scout Policy Guard** check is being re-evaluated.`, topic: 'policy' };
}

/** `approve` and `reject`, for the command registry (reserved there for Policy Guard). */
export function policyCommands(deps: DecisionDeps): CommandHandler[] {
  return [decisionCommand(deps, 'approve'), decisionCommand(deps, 'reject')];
}

export interface NotifiedTarget { platform?: 'github' | 'gitlab'; installationId?: number }

export async function handleSlackDecision(deps: DecisionDeps & { slack?: SlackClient }, d: SlackDecision): Promise<void> {
  const { repo, pr, sha } = d.target;
  const identity = `slack:${d.slackUserId}`;
  const { inserted } = await deps.decisions.record({ repo, prNumber: pr, headSha: sha, channel: 'slack', identity, decision: d.decision, sourceId: `${d.channel}:${d.messageTs}:${d.actionTs}:${d.slackUserId}` });
  if (!inserted) return;
  await deps.audit.append({ repo, prNumber: pr, headSha: sha, actor: identity, channel: 'slack', event: d.decision });
  await deps.requestEvaluation({ repo, prNumber: pr, ...(await deps.notifiedTarget?.(repo, pr, 'slack')), trigger: 'slack' });
  // The message itself is updated with the verdict after re-evaluation; tell the clicker now.
  await deps.slack?.postEphemeral(d.channel, d.slackUserId, `Recorded your ${d.decision} for ${repo}#${pr} (${sha.slice(0, 7)}). It counts if your Slack user maps to a GitHub approver in the base branch's policy_guard.slack.users.`)
    .catch((err: unknown) => deps.logger.warn({ err }, 'slack ephemeral reply failed'));
}

/**
 * An acknowledgement counts only from someone on call for the incident's escalation policy at
 * that moment; their PagerDuty email is the identity mapped to a GitHub login by the config.
 */
export async function handlePagerDutyAck(deps: DecisionDeps & { pagerduty: PagerDutyClient }, ack: PagerDutyAck): Promise<'recorded' | 'not-on-call' | 'duplicate'> {
  const { repo, pr, sha } = ack.target;
  const onCall = ack.escalationPolicyId ? await deps.pagerduty.onCall([ack.escalationPolicyId]) : [];
  const user = onCall.find((u) => u.id === ack.agentId);
  if (!user?.email) {
    await deps.audit.append({ repo, prNumber: pr, headSha: sha, actor: `pagerduty:${ack.agentId}`, channel: 'pagerduty', event: 'ignored', reasons: [`PagerDuty user ${ack.agentId} acknowledged incident ${ack.incidentId} but is not on call for escalation policy ${ack.escalationPolicyId ?? '(none)'}`] });
    return 'not-on-call';
  }
  const identity = `pagerduty:${user.email}`;
  const { inserted } = await deps.decisions.record({ repo, prNumber: pr, headSha: sha, channel: 'pagerduty', identity, decision: 'approve', reason: `acknowledged PagerDuty incident ${ack.incidentId}`, sourceId: ack.eventId });
  if (!inserted) return 'duplicate';
  await deps.audit.append({ repo, prNumber: pr, headSha: sha, actor: identity, channel: 'pagerduty', event: 'approve', reasons: [`acknowledged incident ${ack.incidentId}`] });
  await deps.requestEvaluation({ repo, prNumber: pr, ...(await deps.notifiedTarget?.(repo, pr, 'pagerduty')), trigger: 'pagerduty' });
  return 'recorded';
}
