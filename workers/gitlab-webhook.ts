/**
 * GitLab deliveries from the inbox (stored by app/vcs/gitlab-webhook.ts), routed like GitHub's:
 * - Note Hook on a merge request -> the shared slash-command dispatcher (app/commands);
 * - Push Hook to the default branch touching `.slo-scout.yml` -> the analysis schedule, and one analysis now;
 * - Merge Request Hook opened/reopened/new commits -> the config check, as a commit status, and
 *   Policy Guard (`policy-evaluate`, platform gitlab), which also re-evaluates on approved /
 *   unapproved and on a reviewer change (a submitted review, "Request changes"), and resolves its
 *   PagerDuty escalations on close / merge. A fork MR gets Policy Guard only: the guard reads
 *   everything from the target project, the config check would read the fork's config.
 */
import { z } from 'zod';
import { dispatchComment } from '../app/commands/dispatch.js';
import { readRepoConfig, runConfigCheck } from '../app/config-check.js';
import type { Logger } from '../app/logger.js';
import { syncSchedule } from '../app/schedule.js';
import { requestAnalysis } from '../app/first-run.js';
import { enqueuePolicyEvaluation } from '../app/policy/wiring.js';
import type { InboxRow } from '../app/store/inbox.js';
import type { RepoRef } from '../app/vcs/platform.js';
import type { WorkerDeps } from '../app/ports.js';

const Project = z.object({ path_with_namespace: z.string(), default_branch: z.string().nullish() });

// docs.gitlab.com "Webhook events": Comment events (merge request notes).
const NotePayload = z.object({
  object_kind: z.literal('note'),
  // `user` triggered the event: on an edit, the editor; `author_id` is the note's author.
  user: z.object({ id: z.number().optional(), username: z.string() }),
  project: Project,
  object_attributes: z.object({ id: z.number(), note: z.string(), noteable_type: z.string(), action: z.string().optional(), system: z.boolean().optional(), author_id: z.number().optional() }),
  merge_request: z.object({ iid: z.number() }).optional(),
});

// Merge request events: `oldrev` is present on `update` only when new commits were pushed;
// `changes.reviewers` when the reviewers or their states changed (a submitted review with
// "Request changes", a re-requested review), `{ previous, current }` as docs.gitlab.com shows it.
const MergeRequestPayload = z.object({
  object_kind: z.literal('merge_request'),
  // The MR's own project: the target (a fork MR's hooks run in the project it targets).
  project: Project.extend({ id: z.number().optional() }),
  changes: z.object({ reviewers: z.unknown().optional() }).passthrough().optional(),
  object_attributes: z.object({
    iid: z.number(), action: z.string().optional(), oldrev: z.string().optional(),
    source_project_id: z.number(), target_project_id: z.number(), last_commit: z.object({ id: z.string() }),
  }),
});

// Push events carry at most 20 commits; `total_commits_count` tells when some were left out.
const PushPayload = z.object({
  object_kind: z.literal('push'),
  ref: z.string(),
  project: Project,
  total_commits_count: z.number().optional(),
  commits: z.array(z.object({ added: z.array(z.string()).default([]), modified: z.array(z.string()).default([]), removed: z.array(z.string()).default([]) })).default([]),
});

const CONFIG_FILE = /^\.?slo-scout\.ya?ml$/;
// `approved`/`unapproved`: the MR reached / left its required approvals; `approval`/`unapproval`: one user's (GitLab 16.x+).
const APPROVAL_ACTIONS = new Set(['approved', 'unapproved', 'approval', 'unapproval']);
// GitLab project/group access-token users are bots: never run commands they write.
const TOKEN_BOT = /^(project|group)_\d+_bot(_[0-9a-f]+)?$/;

/** `group/sub/project` -> owner `group/sub`, repo `project` (the split GitLabPlatform joins back). */
export function gitlabRepo(pathWithNamespace: string): RepoRef {
  const i = pathWithNamespace.lastIndexOf('/');
  return { owner: pathWithNamespace.slice(0, i), repo: pathWithNamespace.slice(i + 1) };
}

export async function routeGitlab(row: InboxRow, deps: WorkerDeps, log: Logger): Promise<string> {
  switch (row.event) {
    case 'Note Hook': {
      const p = NotePayload.parse(row.payload);
      if (p.object_attributes.noteable_type !== 'MergeRequest' || !p.merge_request || p.object_attributes.system) return 'ignored';
      if (p.object_attributes.action && !['create', 'update'].includes(p.object_attributes.action)) return 'ignored';
      const platform = await deps.platformFor('gitlab', undefined);
      // Our own answers quote commands (help table): never read them back as commands.
      if (p.user.username === platform.botLogin || TOKEN_BOT.test(p.user.username)) return 'ignored-bot';
      // An edit of someone else's note (GitLab lets maintainers edit notes): its text is not its
      // author's, so nothing in it runs, least of all a Policy Guard approve/reject.
      if (p.object_attributes.action === 'update' && p.user.id !== undefined && p.object_attributes.author_id !== undefined && p.user.id !== p.object_attributes.author_id) {
        log.info({ editor: p.user.username, noteId: p.object_attributes.id }, 'note edited by someone other than its author: not run as a command');
        return 'ignored-edited-by-other';
      }
      const repo = gitlabRepo(p.project.path_with_namespace);
      const config = await readRepoConfig(platform, repo, undefined, deps.configTrust).catch(() => ({ found: false as const }));
      return dispatchComment({ platform, registry: deps.registry, logger: log, commandTeams: config.found && config.ok ? config.config.pullRequests.commandTeams : [] }, {
        repo, prNumber: p.merge_request.iid, commentId: p.object_attributes.id, body: p.object_attributes.note, author: p.user.username, authorIsBot: false,
      });
    }
    case 'Merge Request Hook': {
      const p = MergeRequestPayload.parse(row.payload);
      const a = p.object_attributes;
      const newCode = a.action === 'open' || a.action === 'reopen' || (a.action === 'update' && a.oldrev !== undefined);
      const closed = a.action === 'close' || a.action === 'merge';
      const reviewers = a.action === 'update' && p.changes?.reviewers !== undefined;
      if (!newCode && !closed && !reviewers && !APPROVAL_ACTIONS.has(a.action ?? '')) return 'ignored';
      // The guard evaluates in the MR's target project only; a payload naming another is not one we act on.
      if (p.project.id !== undefined && p.project.id !== a.target_project_id) return 'ignored-not-target';
      const repo = gitlabRepo(p.project.path_with_namespace);
      // Policy Guard: every trigger is its own job reading the MR's latest state (app/policy/wiring.ts).
      // Fork MRs too: the policy comes from the target's base and the head is read from the target
      // (refs/merge-requests/:iid/head), never from the fork (app/policy/gitlab.ts).
      await enqueuePolicyEvaluation(deps.queues, { platform: 'gitlab', ...repo, prNumber: a.iid, trigger: closed ? 'closed' : newCode ? 'push' : 'review' });
      if (!newCode) return closed ? 'policy-closed' : 'policy-review';
      // The config check validates the MR's own config file: a fork's is not ours to read (docs/policy-guard.md, GitLab).
      if (a.source_project_id !== a.target_project_id) return 'policy-only-fork';
      const platform = await deps.platformFor('gitlab', undefined);
      return `config-check-${await runConfigCheck(platform, repo, a.last_commit.id, deps.configTrust)}`;
    }
    case 'Push Hook': {
      const p = PushPayload.parse(row.payload);
      if (!p.ref.startsWith('refs/heads/')) return 'ignored';
      const truncated = (p.total_commits_count ?? 0) > p.commits.length;
      const touched = p.commits.some((c) => [...c.added, ...c.modified, ...c.removed].some((f) => CONFIG_FILE.test(f)));
      if (!touched && !truncated) return 'ignored';
      const platform = await deps.platformFor('gitlab', undefined);
      const repo = gitlabRepo(p.project.path_with_namespace);
      const defaultBranch = p.project.default_branch ?? (await platform.defaultBranch(repo));
      if (p.ref !== `refs/heads/${defaultBranch}`) return 'ignored';
      const config = await readRepoConfig(platform, repo, undefined, deps.configTrust);
      if (config.found && !config.ok) return 'config-invalid';
      const out = await syncSchedule(deps.queues, { platform: 'gitlab', ...repo }, config.found ? config.config.schedule : null);
      // As on GitHub (issue 10): a new or changed config shows its first result now, not at the next cron tick.
      if (config.found) await requestAnalysis(deps.queues, { ...repo, platform: 'gitlab', reason: 'config-change' });
      log.info({ schedule: out, analysis: config.found ? 'queued' : 'none' }, 'schedule updated from config (GitLab)');
      return `schedule-${out}${config.found ? '+analysis' : ''}`;
    }
    default:
      return 'ignored';
  }
}
