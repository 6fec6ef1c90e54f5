/**
 * From a PR comment to an answer: react 👀 at once, parse, check who may run it, run the
 * handler, answer in the command's topic comment (edited in place). Shared by GitHub and GitLab.
 */
import type { Logger } from '../logger.js';
import type { Platform, PullRequestInfo, RepoRef } from '../vcs/platform.js';
import { ensureTopicComment } from '../vcs/pr.js';
import { parseComment } from './parse.js';
import type { CommandInvocation, CommandRegistry } from './registry.js';
import { neutraliseMentions, quoteArg, truncateArg } from './quote.js';
import { limitMessage, type CommandLimiter } from './rate-limit.js';

export interface CommentEvent {
  repo: RepoRef;
  installationId?: number;
  prNumber: number;
  commentId: number;
  body: string;
  author: string;
  /** The comment author is a bot (our own answers contain no command, but other bots may). */
  authorIsBot: boolean;
  editedByOther?: boolean;
  /** The comment is on an issue, not a pull request: only repository-wide commands run there. */
  onIssue?: boolean;
}

/** Commands that make sense outside a pull request (they act on the repository). */
const ISSUE_COMMANDS = new Set(['help', 'rerun']);

export type DispatchOutcome = 'no-command' | 'ignored-bot' | 'help' | 'refused' | 'rate-limited' | 'ran' | 'failed';

export interface DispatchDeps {
  platform: Platform;
  registry: CommandRegistry;
  logger: Logger;
  /** Teams (org/slug) whose members may run write commands besides write collaborators. */
  commandTeams?: string[];
  /** Per-user and per-repository command limits (shared across workers in Redis). */
  limiter?: CommandLimiter;
}

async function mayWrite(deps: DispatchDeps, repo: RepoRef, login: string): Promise<boolean> {
  if (await deps.platform.canWrite(repo, login)) return true;
  for (const team of deps.commandTeams ?? []) {
    if (await deps.platform.isTeamMember(repo, team, login)) return true;
  }
  return false;
}

export async function dispatchComment(deps: DispatchDeps, ev: CommentEvent): Promise<DispatchOutcome> {
  if (ev.authorIsBot) return 'ignored-bot';
  const parsed = parseComment(ev.body);
  if (parsed.kind === 'none') return 'no-command';
  const { platform, registry } = deps;
  const log = deps.logger.child({ repo: `${ev.repo.owner}/${ev.repo.repo}`, pr: ev.prNumber, author: ev.author });
  // Replies never notify anyone but the commenter, whatever the arguments or messages contain.
  const answer = (topic: string, text: string) => ensureTopicComment(platform, ev.repo, ev.prNumber, topic, neutraliseMentions(text, [ev.author]));
  if (deps.limiter) {
    const verdict = await deps.limiter.consume({ platform: platform.kind, repo: `${ev.repo.owner}/${ev.repo.repo}`, user: ev.author });
    if (!verdict.ok) {
      log.info({ scope: verdict.scope, retryAfterSeconds: verdict.retryAfterSeconds }, 'command refused: rate limit');
      await answer('rate-limit', `@${ev.author} ${limitMessage(verdict)}`);
      return 'rate-limited';
    }
  }
  await platform.react(ev.repo, ev.commentId, 'eyes', ev.prNumber);

  if (parsed.kind === 'invalid') {
    await answer('help', `@${ev.author} ${truncateArg(parsed.message, 300)}\n\n${registry.helpText()}`);
    return 'help';
  }
  const handler = registry.get(parsed.command.name);
  if (!handler) {
    const what = parsed.command.name ? `${quoteArg(parsed.command.name)} is not a command.` : 'Commands:';
    await answer('help', `@${ev.author} ${what}\n\n${registry.helpText()}`);
    return 'help';
  }
  if (ev.onIssue && !ISSUE_COMMANDS.has(handler.name)) {
    await answer(handler.name, `@${ev.author} \`${handler.name}\` works in an SLO-Scout pull request; in an issue only ${[...ISSUE_COMMANDS].map((c) => `\`${c}\``).join(' and ')} run.`);
    return 'refused';
  }
  let pr: PullRequestInfo | null = null;
  if (handler.permission === 'write' && ev.onIssue) {
    if (!(await mayWrite(deps, ev.repo, ev.author))) {
      await answer(handler.name, `@${ev.author} \`${handler.name}\` needs write access to ${ev.repo.owner}/${ev.repo.repo}. Ask a maintainer to run it.`);
      return 'refused';
    }
  } else if (handler.permission === 'write') {
    pr = await platform.getPullRequest(ev.repo, ev.prNumber);
    if (pr.fromFork) {
      await answer(handler.name, `@${ev.author} \`${handler.name}\` is not available on pull requests from forks: SLO-Scout never writes to a fork's branch or acts on its content.`);
      log.info({ command: handler.name }, 'refused: fork PR');
      return 'refused';
    }
    if (!(await mayWrite(deps, ev.repo, ev.author))) {
      const teams = deps.commandTeams?.length ? ` or membership in ${deps.commandTeams.map((t) => `\`${t}\``).join(', ')}` : '';
      await answer(handler.name, `@${ev.author} \`${handler.name}\` changes this pull request, so it needs write access to ${ev.repo.owner}/${ev.repo.repo}${teams}. Ask a maintainer to run it.`);
      log.info({ command: handler.name }, 'refused: no write access');
      return 'refused';
    }
  }
  let loaded: Promise<PullRequestInfo> | undefined;
  const invocation: CommandInvocation = {
    platform: platform.kind, owner: ev.repo.owner, repo: ev.repo.repo, installationId: ev.installationId, prNumber: ev.prNumber,
    headSha: pr?.headSha, headRef: pr?.headRef, commentId: ev.commentId, author: ev.author, editedByOther: ev.editedByOther,
    args: parsed.command.args, options: parsed.command.options, raw: parsed.command.raw,
    pullRequest: () => (loaded ??= pr ? Promise.resolve(pr) : platform.getPullRequest(ev.repo, ev.prNumber)),
  };
  try {
    const result = await handler.run({ invocation, logger: log.child({ command: handler.name }) });
    await answer(result.topic ?? handler.name, result.reply);
    await result.after?.();
    return 'ran';
  } catch (err) {
    log.error({ err, command: handler.name }, 'command failed');
    // Error messages may carry argument text: cut them so a huge argument is not echoed in full.
    await answer(handler.name, `@${ev.author} \`${handler.name}\` failed: ${truncateArg((err as Error).message, 2000)}`);
    return 'failed';
  }
}
