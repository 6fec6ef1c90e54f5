/**
 * The in-memory git both end-to-end stand-ins keep (GitHub's and GitLab's): content-addressed
 * trees, commits with parents and author, and branch refs. A test "pushes" with `push`.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Commit { sha: string; tree: string; parents: string[]; author: string; message: string }

export const randomSha = () => randomBytes(20).toString('hex');

export class GitStore {
  readonly trees = new Map<string, Record<string, string>>();
  readonly commits = new Map<string, Commit>();
  readonly refs = new Map<string, string>();

  constructor(initial: Record<string, string>, author: string) {
    this.refs.set('main', this.commit(this.tree(initial), [], author, 'initial').sha);
  }

  tree(files: Record<string, string>): string {
    const id = createHash('sha1').update(JSON.stringify(Object.entries(files).sort())).digest('hex');
    this.trees.set(id, files);
    return id;
  }

  commit(tree: string, parents: string[], author: string, message: string): Commit {
    const c = { sha: randomSha(), tree, parents, author, message };
    this.commits.set(c.sha, c);
    return c;
  }

  /** A person pushes files to a branch (the test's "git push"). */
  push(branch: string, files: Record<string, string>, author = 'octocat'): string {
    const parent = this.refs.get(branch)!;
    const tree = this.tree({ ...this.filesAt(parent), ...files });
    const c = this.commit(tree, [parent], author, 'push');
    this.refs.set(branch, c.sha);
    return c.sha;
  }

  /** Files at a branch, a commit SHA or a tree id. */
  filesAt(ref: string): Record<string, string> {
    const commitSha = this.refs.get(ref) ?? ref;
    const c = this.commits.get(commitSha);
    return c ? this.trees.get(c.tree)! : this.trees.get(ref) ?? {};
  }

  /** Commits on `head` that are not on `base`, oldest first (first-parent history). */
  commitsBetween(base: string, head: string): Commit[] {
    const ancestors = new Set<string>();
    for (let s: string | undefined = this.refs.get(base) ?? base; s; s = this.commits.get(s)?.parents[0]) ancestors.add(s);
    const out: Commit[] = [];
    for (let s: string | undefined = this.refs.get(head) ?? head; s && !ancestors.has(s); s = this.commits.get(s)?.parents[0]) out.unshift(this.commits.get(s)!);
    return out;
  }
}
