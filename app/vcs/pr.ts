/**
 * Idempotent pull requests and topic comments (renovate's pr-body.ts / ensureComment), written
 * once against `Platform` so GitHub and GitLab behave the same:
 * - a PR is found by its branch; files and body change only when their content hash changed;
 * - the branch is rebuilt from the base only while every commit on it is the app's own: a human
 *   commit stops the update and is answered with a comment instead of a force-push;
 * - one bot comment per topic, found by a hidden marker and edited in place.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { FileChange, Platform, PullRequestInfo, RepoRef } from './platform.js';

const HASH_MARKER_RE = /<!-- slo-scout:hash=([0-9a-f]{64}) -->/;

export function topicMarker(topic: string): string {
  return `<!-- slo-scout:topic=${topic} -->`;
}

/** sha256 over title, body and files (sorted by path) — the PR's identity across reruns. */
export function contentHash(input: { title: string; body: string; files: FileChange[] }): string {
  const h = createHash('sha256');
  h.update(`title\0${input.title}\0body\0${input.body}\0`);
  for (const f of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`file\0${f.path}\0${f.content}\0`);
  return h.digest('hex');
}

export function bodyWithHash(body: string, hash: string): string {
  return `${body.replace(HASH_MARKER_RE, '').trimEnd()}\n\n<!-- slo-scout:hash=${hash} -->\n`;
}

export function hashInBody(body: string): string | null {
  return HASH_MARKER_RE.exec(body)?.[1] ?? null;
}

export interface EnsurePrInput {
  branch: string;
  title: string;
  body: string;
  files: FileChange[];
  labels: string[];
  /** Base branch; the default branch when omitted. */
  base?: string;
  commitMessage?: string;
}

export type EnsurePrOutcome =
  | { action: 'created' | 'updated' | 'unchanged'; pr: PullRequestInfo; hash: string }
  | { action: 'blocked-by-human-commits'; pr: PullRequestInfo | null; hash: string; humanCommits: string[] };

export async function ensurePullRequest(platform: Platform, repo: RepoRef, input: EnsurePrInput, logger: Logger): Promise<EnsurePrOutcome> {
  // Committed files and bodies carry no run facts (generatedAt, timings), so identical data hashes alike.
  const hash = contentHash(input);
  const body = bodyWithHash(input.body, hash);
  const base = input.base ?? (await platform.defaultBranch(repo));
  const existing = await platform.findOpenPullRequest(repo, input.branch);
  if (existing && hashInBody(existing.body) === hash) {
    logger.info({ branch: input.branch, pr: existing.number }, 'pull request is up to date');
    return { action: 'unchanged', pr: existing, hash };
  }
  const commits = await platform.branchCommits(repo, base, input.branch);
  const human = (commits ?? []).filter((c) => c.authorLogin !== platform.botLogin).map((c) => c.sha);
  if (human.length) {
    logger.warn({ branch: input.branch, humanCommits: human }, 'branch has commits by people; not overwriting it');
    if (existing) {
      await ensureTopicComment(platform, repo, existing.number, 'human-commits', [
        `SLO-Scout has a newer proposal for this PR, but the branch \`${input.branch}\` has commits that were not made by ${platform.botLogin} (${human.map((s) => s.slice(0, 7)).join(', ')}).`,
        'It will not force-push over them. To get the update: merge this PR as it is, or close it and delete the branch, then run `/slo-scout rerun`.',
      ].join('\n\n'));
    }
    return { action: 'blocked-by-human-commits', pr: existing, hash, humanCommits: human };
  }
  await platform.commitFiles(repo, { base, branch: input.branch, message: input.commitMessage ?? input.title, files: input.files });
  if (existing) {
    await platform.updatePullRequest(repo, existing.number, { title: input.title, body });
    logger.info({ branch: input.branch, pr: existing.number }, 'pull request updated');
    return { action: 'updated', pr: { ...existing, title: input.title, body }, hash };
  }
  // A worker that died after createPullRequest but before finishing is retried: the PR is then
  // found by branch above, so a rerun never opens a second one.
  const pr = await platform.createPullRequest(repo, { base, branch: input.branch, title: input.title, body, labels: input.labels });
  logger.info({ branch: input.branch, pr: pr.number }, 'pull request opened');
  return { action: 'created', pr, hash };
}

// GitHub refuses comments over 65536 characters (GitLab notes allow 1,000,000); keep room for the marker.
const MAX_COMMENT = 65_000;

/** The last line of defence: callers fit their sections (app/commands/scope.ts); this only cuts. */
export function capComment(text: string): string {
  if (text.length <= MAX_COMMENT) return text;
  const cut = text.lastIndexOf('\n', MAX_COMMENT - 200);
  return `${text.slice(0, cut > 0 ? cut : MAX_COMMENT - 200)}\n\n… ${text.length - (cut > 0 ? cut : MAX_COMMENT - 200)} more characters cut to stay under GitHub's comment limit; narrow the command (an SLO id) to see the rest.`;
}

/** One comment per topic, edited in place; returns the comment id and what happened. */
export async function ensureTopicComment(platform: Platform, repo: RepoRef, number: number, topic: string, text: string): Promise<{ id: number; action: 'created' | 'updated' | 'unchanged' }> {
  const marker = topicMarker(topic);
  const body = `${marker}\n${capComment(text.trim())}\n`;
  const comments = await platform.listComments(repo, number);
  const mine = comments.find((c) => c.body.includes(marker) && c.authorLogin === platform.botLogin);
  if (!mine) return { id: (await platform.createComment(repo, number, body)).id, action: 'created' };
  if (mine.body === body) return { id: mine.id, action: 'unchanged' };
  await platform.updateComment(repo, mine.id, body, number);
  return { id: mine.id, action: 'updated' };
}

/** The PR branch of a service: one long-lived branch per service, or one per run. */
export function branchName(prefix: string, service: string, mode: 'per-service' | 'per-run', runAt: Date): string {
  const safe = service.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'service';
  return mode === 'per-service' ? `${prefix}${safe}` : `${prefix}${safe}-${runAt.toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;
}
