/**
 * PolicyVcs over GitLab's REST API (@gitbeaker/rest), so Policy Guard runs on merge requests with
 * the same evaluation as on GitHub pull requests. `repo` is the project path (`group/sub/project`);
 * `pr` is the MR iid. Every reply is parsed with zod: a failed or unexpected read becomes a
 * `PolicyGitLabError` naming the request, with its HTTP status and cause, never a TypeError.
 *
 * What maps onto what (docs/policy-guard.md, "GitLab"):
 * - the check run is a commit status named CHECK_NAME on the MR's head SHA (`POST /statuses/:sha`);
 *   GitLab has no summary or annotations there: the title goes into the 255-character description
 *   and the details page (when configured) is the status's target URL;
 * - native reviews are MR approvals (`GET /merge_requests/:iid/approvals`, `approved_by`) and
 *   reviewers whose state is `requested_changes` (`GET /merge_requests/:iid/reviewers`; a 404
 *   there means a GitLab without that endpoint: approvals only). GitLab does not say which commit
 *   either was given for, so both count for the head the MR has when they are read: the
 *   evaluator then counts them only while that head is the one it evaluates. Whether a push
 *   removes approvals is the project's own setting;
 * - a fork MR (source project != target project) is read and judged in the TARGET project only:
 *   GitLab keeps its head under `refs/merge-requests/:iid/head` there, so its files are read at
 *   the head SHA from the target, the policy from the target's base, and the status is posted to
 *   the target with that ref (without it GitLab answers 404 "References for commit": no branch
 *   of the target holds a fork's commit). Nothing is ever read from the fork project;
 * - `org/team` in a policy is a GitLab group path (`org/team`, or `org/sub/team` for subgroups);
 * - what GitHub shows as the check run's summary and text (who may approve, what exceeds policy,
 *   decisions that did not count) goes into ONE note on the MR, found by a hidden marker and
 *   edited in place (app/vcs/pr.ts `ensureTopicComment`), and only when its text changed.
 */
import { z } from 'zod';
import { neutraliseMentions } from '../commands/quote.js';
import { GitLabPlatform, httpStatus, type GitlabApi } from '../vcs/gitlab.js';
import { ensureTopicComment } from '../vcs/pr.js';
import { CHECK_NAME, type PolicyChangedFile, type PolicyCheckRun, type PolicyPullRequest, type PolicyReview, type PolicyVcs } from './vcs.js';

/** A GitLab read that failed or answered something unexpected; `status` is kept for retry classification (workers/errors.ts). */
export class PolicyGitLabError extends Error {
  readonly status?: number;
  /** A reply of the wrong shape will not fix itself on retry. */
  readonly permanent: boolean;
  constructor(message: string, options: { cause?: unknown; status?: number; permanent?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolicyGitLabError';
    if (options.status !== undefined) this.status = options.status;
    this.permanent = options.permanent ?? false;
  }
}

/** GitLab's limit on a commit status description (docs.gitlab.com, Commits API "Set the pipeline status of a commit"). */
export const STATUS_DESCRIPTION_MAX = 255;

/**
 * Verdict -> commit status state. GitLab statuses have no `action_required` or `neutral`:
 * - `action_required` (waiting for an approval) is `failed`: the MR must not merge yet, and a
 *   `pending` status would also be refused by GitLab when re-posted while still pending;
 * - `neutral` (the guard itself could not evaluate: a bug or GitLab unreachable) is `failed` too,
 *   with a description that says so: on GitLab the status only means something when it is
 *   required, and a guard that passes when it breaks is no guard. Re-trigger by pushing,
 *   commenting `/slo-scout approve`, or approving again.
 */
export const STATUS_STATE: Record<PolicyCheckRun['conclusion'], 'success' | 'failed'> = {
  success: 'success', failure: 'failed', action_required: 'failed', neutral: 'failed',
};

const PER_PAGE = 100;
// GitLab's MR diffs are capped by its own limits (default 3000 files); the tree by the repo size.
const MAX_DIFF_PAGES = 30;
const MAX_TREE_PAGES = 100;
// Reviewers are people picked by hand; more than 500 is not a review anyone could read.
const MAX_REVIEWER_PAGES = 5;
// A CODEOWNERS group past 1000 members is checked one approver at a time beyond that (GroupMembers.truncated).
const MAX_MEMBER_PAGES = 10;
/**
 * GitLab group and user paths: letters, digits, `_`, `-`, `.`, segments joined by `/`; never `.` or
 * `..` (a CODEOWNERS owner is the repository's text, not a path to walk).
 */
const SEGMENT = String.raw`(?!\.{1,2}(?:/|$))[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}`;
const GROUP_PATH = new RegExp(`^${SEGMENT}(?:/${SEGMENT}){0,20}$`);
/** Fork-ness of an MR never changes (its source project is fixed at creation); remembered per process, bounded. */
const MAX_REMEMBERED_MRS = 1_000;
/** Policy and SLO files are small; a larger one is refused rather than parsed. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

const Mr = z.object({
  iid: z.number(),
  state: z.string(),
  sha: z.string().nullish(),
  diff_refs: z.object({ base_sha: z.string().nullish(), head_sha: z.string().nullish(), start_sha: z.string().nullish() }).nullish(),
  author: z.object({ username: z.string() }).nullish(),
  web_url: z.string(),
  source_project_id: z.number().nullish(),
  target_project_id: z.number().nullish(),
});
const Diffs = z.array(z.object({
  old_path: z.string(), new_path: z.string(), new_file: z.boolean(), renamed_file: z.boolean(), deleted_file: z.boolean(),
}));
const Tree = z.array(z.object({ path: z.string(), type: z.string() }));
const Approvals = z.object({
  approved_by: z.array(z.object({ user: z.object({ id: z.number(), username: z.string() }), approved_at: z.string().nullish() })).default([]),
});
// docs.gitlab.com, Merge requests API "Get single merge request reviewers": one entry per reviewer;
// `state` is unreviewed, review_started, reviewed, requested_changes, approved or unapproved.
const Reviewers = z.array(z.object({ user: z.object({ id: z.number(), username: z.string() }), state: z.string() }));
const Users = z.array(z.object({ id: z.number(), username: z.string() }));
// `state` is the user's (active, blocked); `membership_state` the membership's (active, awaiting).
const Member = z.object({ access_level: z.number(), state: z.string().optional(), membership_state: z.string().optional() });
// docs.gitlab.com, Group and project members API "List all members of a group or project including inherited and invited members".
const Members = z.array(Member.extend({ id: z.number(), username: z.string() }));
const Status = z.object({ id: z.number(), status: z.string() });
const CurrentUser = z.object({ id: z.number(), username: z.string() });

/** The topic of the guard's summary note: `<!-- slo-scout:topic=policy-guard-summary -->` marks it. */
export const SUMMARY_TOPIC = 'policy-guard-summary';

const VERDICT_LINE: Record<PolicyCheckRun['conclusion'], string> = {
  success: '✅ passes', failure: '❌ blocks this merge request', action_required: '⏳ waits for approval', neutral: '⚠️ could not evaluate',
};

/**
 * The note's text: the check run's title, summary and text as GitHub shows them. Nothing in it
 * changes between evaluations of the same head and verdict (no timestamps, no signed links: the
 * status links the details page), so a re-evaluation edits nothing. Mentions are neutralised:
 * the approver list must not ping every approver on each edit.
 */
export function summaryNoteText(run: PolicyCheckRun): string {
  return neutraliseMentions([
    `### ${CHECK_NAME}: ${run.title}`,
    '',
    `The guard ${VERDICT_LINE[run.conclusion]} on \`${run.headSha.slice(0, 7)}\` (commit status \`${CHECK_NAME}\`). This note is edited in place on every evaluation.`,
    '',
    run.summary,
    ...(run.text ? ['', run.text] : []),
  ].join('\n'));
}

/** GitLab's Minimal Access role: a member that can see nothing in the group is no team member. */
const MINIMAL_ACCESS = 5;

/** Blocked users, memberships awaiting a seat, and Minimal Access members are no members here. */
const isActiveMember = (m: z.infer<typeof Member>) => (m.state ?? 'active') === 'active' && (m.membership_state ?? 'active') === 'active' && m.access_level > MINIMAL_ACCESS;

function statusText(d: z.infer<typeof Diffs>[number]): PolicyChangedFile['status'] {
  if (d.new_file) return 'added';
  if (d.deleted_file) return 'removed';
  if (d.renamed_file) return 'renamed';
  return 'modified';
}

/** The ref a fork MR's head has in the target project (GitLab's merge request refs). */
export const mergeRequestHeadRef = (iid: number) => `refs/merge-requests/${iid}/head`;

/** `now` stamps a reviewer's requested changes: GitLab gives the state, not when it was set. */
export function gitlabPolicyVcs(api: GitlabApi, options: { now?: () => Date } = {}): PolicyVcs {
  const now = options.now ?? (() => new Date());
  const forks = new Map<string, boolean>();
  /** One call, its reply parsed; failures name the request and keep the cause and status. */
  async function call<T>(what: string, request: () => Promise<unknown>, schema: z.ZodType<T>): Promise<T> {
    let data: unknown;
    try {
      data = await request();
    } catch (err) {
      const status = httpStatus(err);
      throw new PolicyGitLabError(`GitLab ${what} failed${status ? ` with HTTP ${status}` : ''}: ${(err as Error).message}`, { cause: err, ...(status ? { status } : {}) });
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PolicyGitLabError(`GitLab ${what} answered an unexpected shape: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown'}`, { permanent: true });
    }
    return parsed.data;
  }

  async function mergeRequest(repo: string, iid: number): Promise<PolicyPullRequest> {
    const m = await call(`GET /projects/:id/merge_requests/:iid (${repo}!${iid})`, () => api.MergeRequests.show(repo, iid), Mr);
    const headSha = m.sha || m.diff_refs?.head_sha;
    // The target branch's head (start_sha): the policy is read from what the MR would merge into now.
    const baseSha = m.diff_refs?.start_sha || m.diff_refs?.base_sha;
    // A just-opened MR has no diff_refs until GitLab computed its diff: retry (no status = transient).
    if (!headSha || !baseSha) throw new PolicyGitLabError(`GitLab has not computed the diff of ${repo}!${iid} yet (no sha/diff_refs); the evaluation is retried`);
    if (forks.size >= MAX_REMEMBERED_MRS) forks.delete(forks.keys().next().value!);
    forks.set(`${repo}!${iid}`, m.source_project_id != null && m.target_project_id != null && m.source_project_id !== m.target_project_id);
    return {
      number: m.iid, state: m.state === 'opened' ? 'open' : 'closed', merged: m.state === 'merged',
      headSha, baseSha, author: m.author?.username ?? '', url: m.web_url,
    };
  }

  // The token's user writes the summary note; its username tells our note from a copy of the
  // marker in someone else's. Read once per process; a failed read is retried on the next call.
  let notes: Promise<GitLabPlatform> | null = null;
  function notesPlatform(): Promise<GitLabPlatform> {
    // This platform only lists, creates and edits notes; it never commits, so no author e-mail.
    notes ??= call('GET /user', () => api.Users.showCurrentUser(), CurrentUser).then((me) => new GitLabPlatform(api, { botLogin: me.username, botEmail: '' }));
    return notes.catch((err: unknown) => {
      notes = null;
      throw err;
    });
  }

  async function writeSummaryNote(repo: string, run: PolicyCheckRun): Promise<void> {
    const platform = await notesPlatform();
    const i = repo.lastIndexOf('/');
    try {
      await ensureTopicComment(platform, { owner: repo.slice(0, i), repo: repo.slice(i + 1) }, run.prNumber, SUMMARY_TOPIC, summaryNoteText(run));
    } catch (err) {
      const status = httpStatus(err);
      throw new PolicyGitLabError(`GitLab GET/POST/PUT /projects/:id/merge_requests/:iid/notes (${repo}!${run.prNumber}, the guard's summary note) failed${status ? ` with HTTP ${status}` : ''}: ${(err as Error).message}`, { cause: err, ...(status ? { status } : {}) });
    }
  }

  async function isFork(repo: string, iid: number): Promise<boolean> {
    if (!forks.has(`${repo}!${iid}`)) await mergeRequest(repo, iid);
    return forks.get(`${repo}!${iid}`) ?? false;
  }

  /** Reviewers who requested changes; [] on a GitLab without the reviewers endpoint (404). */
  async function changesRequestedBy(repo: string, iid: number): Promise<z.infer<typeof Reviewers>> {
    let reviewers: z.infer<typeof Reviewers>;
    try {
      reviewers = await call(`GET /projects/:id/merge_requests/:iid/reviewers (${repo}!${iid})`,
        () => api.MergeRequests.showReviewers(repo, iid, { perPage: PER_PAGE, maxPages: MAX_REVIEWER_PAGES } as Parameters<GitlabApi['MergeRequests']['showReviewers']>[2]), Reviewers);
    } catch (err) {
      if ((err as PolicyGitLabError).status === 404) return [];
      throw err;
    }
    // Fail closed: a reviewer past the cap could be the one who requested changes.
    if (reviewers.length >= PER_PAGE * MAX_REVIEWER_PAGES) throw new PolicyGitLabError(`${repo}!${iid} has ${reviewers.length} or more reviewers, more than Policy Guard reads (${PER_PAGE * MAX_REVIEWER_PAGES})`, { permanent: true });
    return reviewers.filter((r) => r.state === 'requested_changes');
  }

  async function userId(login: string): Promise<number | null> {
    const users = await call(`GET /users?username=${login}`, () => api.Users.all({ username: login }), Users);
    return users.find((u) => u.username.toLowerCase() === login.toLowerCase())?.id ?? null;
  }

  return {
    getPullRequest: mergeRequest,

    async listChangedFiles(repo, iid) {
      const diffs = await call(`GET /projects/:id/merge_requests/:iid/diffs (${repo}!${iid})`,
        () => api.MergeRequests.allDiffs(repo, iid, { perPage: PER_PAGE, maxPages: MAX_DIFF_PAGES }), Diffs);
      // Fail closed: a change the guard cannot see entirely is not one it may pass.
      if (diffs.length >= PER_PAGE * MAX_DIFF_PAGES) throw new PolicyGitLabError(`${repo}!${iid} changes ${diffs.length} or more files, more than Policy Guard reads (${PER_PAGE * MAX_DIFF_PAGES}); split the merge request`, { permanent: true });
      return diffs.map((d) => ({ path: d.new_path, status: statusText(d), ...(d.renamed_file ? { previousPath: d.old_path } : {}) }));
    },

    async readFile(repo, path, ref) {
      let raw: unknown;
      try {
        raw = await api.RepositoryFiles.showRaw(repo, path, ref);
      } catch (err) {
        const status = httpStatus(err);
        if (status === 404) return null;
        throw new PolicyGitLabError(`GitLab GET /projects/:id/repository/files/:path/raw (${path} at ${ref.slice(0, 12)}) failed${status ? ` with HTTP ${status}` : ''}: ${(err as Error).message}`, { cause: err, ...(status ? { status } : {}) });
      }
      const text = typeof raw === 'string' ? raw : raw instanceof Blob ? await raw.text() : null;
      if (text === null) throw new PolicyGitLabError(`GitLab answered ${path} at ${ref.slice(0, 12)} with something that is not file text`, { permanent: true });
      if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new PolicyGitLabError(`${path} at ${ref.slice(0, 12)} is larger than ${MAX_FILE_BYTES} bytes; Policy Guard does not read it`, { permanent: true });
      return text;
    },

    async listFiles(repo, ref) {
      const tree = await call(`GET /projects/:id/repository/tree (${repo} at ${ref.slice(0, 12)}, recursive)`,
        () => api.Repositories.allRepositoryTrees(repo, { ref, recursive: true, perPage: PER_PAGE, maxPages: MAX_TREE_PAGES } as Parameters<GitlabApi['Repositories']['allRepositoryTrees']>[1]), Tree);
      if (tree.length >= PER_PAGE * MAX_TREE_PAGES) throw new PolicyGitLabError(`the tree of ${repo} at ${ref.slice(0, 12)} has more than ${PER_PAGE * MAX_TREE_PAGES} entries; set policy_guard.known_services so the guard need not count services`, { permanent: true });
      return tree.filter((t) => t.type === 'blob').map((t) => t.path);
    },

    async listReviews(repo, iid) {
      const approvals = await call(`GET /projects/:id/merge_requests/:iid/approvals (${repo}!${iid})`,
        () => api.MergeRequestApprovals.showConfiguration(repo, { mergerequestIId: iid }), Approvals);
      const rejecting = await changesRequestedBy(repo, iid);
      if (!approvals.approved_by.length && !rejecting.length) return [];
      // Read after the approvals and reviewers: they count for this head only, so a push in
      // between leaves them on a head the evaluator does not count.
      const { headSha } = await mergeRequest(repo, iid);
      // GitLab removes a reviewer's approval when they request changes; should both still show
      // (a race between the two reads), the request for changes wins: fail closed.
      const rejected = new Set(rejecting.map((r) => r.user.username.toLowerCase()));
      // Requested changes are the reviewer's state now, so they are as recent as this read: a
      // `/slo-scout approve` by the same person does not outweigh what GitLab still shows.
      const at = now().toISOString();
      return [
        ...approvals.approved_by.filter((a) => !rejected.has(a.user.username.toLowerCase()))
          .map((a): PolicyReview => ({ id: a.user.id, login: a.user.username, state: 'APPROVED', commitId: headSha, submittedAt: a.approved_at ?? null })),
        ...rejecting.map((r): PolicyReview => ({ id: r.user.id, login: r.user.username, state: 'CHANGES_REQUESTED', commitId: headSha, submittedAt: at })),
      ];
    },

    async isTeamMember(org, team, login) {
      // An empty org: a top-level group named alone (a CODEOWNERS `@group`).
      const group = org ? `${org}/${team}` : team;
      const uid = await userId(login);
      if (uid === null) return false;
      let member: z.infer<typeof Member>;
      try {
        member = await call(`GET /groups/:id/members/all/:user_id (@${login} in ${group})`, () => api.GroupMembers.show(group, uid, { includeInherited: true }), Member);
      } catch (err) {
        if ((err as PolicyGitLabError).status === 404) return false;
        throw err;
      }
      return isActiveMember(member);
    },

    async groupMembers(group) {
      if (!GROUP_PATH.test(group)) return { kind: 'missing', group, status: 0, message: `"${group.slice(0, 80)}" is not a GitLab group path; name a GitLab user or group in CODEOWNERS` };
      let members: z.infer<typeof Members>;
      try {
        members = await call(`GET /groups/:id/members/all (${group})`,
          () => api.GroupMembers.all(group, { includeInherited: true, perPage: PER_PAGE, maxPages: MAX_MEMBER_PAGES } as Parameters<GitlabApi['GroupMembers']['all']>[1]), Members);
      } catch (err) {
        const status = (err as PolicyGitLabError).status;
        // 404: no such group, or a private one the token's user cannot see; 403: the token's scope
        // or role does not allow the read. Both are answers to explain, not to retry.
        if (status === 404) return { kind: 'missing', group, status, message: (err as Error).message };
        if (status === 403) return { kind: 'forbidden', group, status, message: (err as Error).message };
        throw err;
      }
      return {
        kind: 'members', group,
        usernames: [...new Set(members.filter(isActiveMember).map((m) => m.username.toLowerCase()))].sort(),
        truncated: members.length >= PER_PAGE * MAX_MEMBER_PAGES,
      };
    },

    async writeCheckRun(repo, run) {
      let description = run.title;
      // The neutral status is the only place its cause can be read on GitLab (no summary there).
      const cause = run.conclusion === 'neutral' ? /Cause: `([^`]*)`/.exec(run.summary)?.[1] : undefined;
      if (cause) description = `${description}: ${cause}`;
      if (description.length > STATUS_DESCRIPTION_MAX) description = `${description.slice(0, STATUS_DESCRIPTION_MAX - 1)}…`;
      // A fork MR's head is on no branch of this project: name its merge request ref, which also
      // joins the status to a merge request pipeline run here for that head, when there is one.
      const ref = (await isFork(repo, run.prNumber)) ? mergeRequestHeadRef(run.prNumber) : undefined;
      await call(`POST /projects/:id/statuses/:sha (${repo} at ${run.headSha.slice(0, 12)})`, () => api.Commits.editStatus(repo, run.headSha, STATUS_STATE[run.conclusion], {
        name: CHECK_NAME, description, ...(run.detailsUrl ? { targetUrl: run.detailsUrl } : {}), ...(ref ? { ref } : {}),
      }), Status);
      // After the status: the verdict is posted even when the note cannot be written (the job
      // then fails and is retried, which re-posts the same status and tries the note again).
      await writeSummaryNote(repo, run);
    },
  };
}
