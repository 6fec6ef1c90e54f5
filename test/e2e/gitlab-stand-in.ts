/**
 * A small GitLab stand-in for the GitLab end-to-end test: the REST v4 routes SLO-Scout uses
 * (docs.gitlab.com/api: projects, branches, repository files/tree/compare, commits with actions,
 * merge requests, MR diffs, notes, award emoji, approvals, reviewers, members, users, commit statuses) over
 * the same in-memory git as the GitHub stand-in. Reached by the real processes through GITLAB_URL.
 * Unknown routes answer 404 and are recorded, so the test can assert nothing unexpected was asked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, type LocalServer } from './local-server.js';
import { GitStore } from './git-store.js';

export const GL_BOT = { id: 99, username: 'slo-scout-bot', email: 'slo-scout-bot@example.test' };

export interface MergeRequest { iid: number; state: 'opened' | 'closed' | 'merged'; title: string; description: string; source: string; target: string; author: string; labels: string[] }
export interface Note { id: number; iid: number; body: string; author: string }
export interface CommitStatus { sha: string; name: string; state: string; description?: string; target_url?: string }

export class GitLabStandIn extends GitStore {
  readonly mergeRequests: MergeRequest[] = [];
  readonly notes: Note[] = [];
  readonly awards: { noteId: number; name: string }[] = [];
  readonly statuses: CommitStatus[] = [];
  /** MR iid -> usernames that approved it (GitLab's approved_by). */
  readonly approvals = new Map<number, string[]>();
  /** username -> project access level (30 Developer, 40 Maintainer). */
  readonly members: Record<string, number> = {};
  /** Commit SHA -> author e-mail (the bot's commits are recognised by it). */
  readonly emails = new Map<string, string>();
  readonly unknown: string[] = [];
  #server: LocalServer | null = null;
  #noteId = 3000;
  url = '';

  constructor(readonly path: string, readonly token: string) {
    super({ 'README.md': '# fleet\n' }, 'octocat');
  }

  readonly #userIds = new Map<string, number>([[GL_BOT.username, GL_BOT.id]]);

  /** Every username the stand-in hears of gets a stable id on first sight. */
  userId(username: string): number {
    if (!this.#userIds.has(username)) this.#userIds.set(username, 100 + this.#userIds.size);
    return this.#userIds.get(username)!;
  }

  headOf(mr: MergeRequest): string { return this.refs.get(mr.source)!; }

  mrJson(mr: MergeRequest) {
    const head = this.headOf(mr);
    const start = this.refs.get(mr.target)!;
    return {
      id: 5000 + mr.iid, iid: mr.iid, project_id: 1, title: mr.title, description: mr.description, state: mr.state,
      source_branch: mr.source, target_branch: mr.target, source_project_id: 1, target_project_id: 1,
      author: { id: this.userId(mr.author), username: mr.author, name: mr.author, state: 'active' },
      sha: head, diff_refs: { base_sha: start, head_sha: head, start_sha: start }, labels: mr.labels,
      web_url: `${this.url}/${this.path}/-/merge_requests/${mr.iid}`, merge_status: 'can_be_merged', draft: false,
    };
  }

  /** The guard's statuses on a commit, newest last. */
  guardOn(sha: string): CommitStatus | undefined {
    return this.statuses.filter((s) => s.name === 'SLO-Scout Policy Guard' && s.sha === sha).at(-1);
  }

  async start(): Promise<void> {
    this.#server = await listenLocal((req, res) => void this.#handle(req, res).catch((err: unknown) => this.#send(res, 500, { message: String(err) })));
    this.url = this.#server.url;
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
  }

  #send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
    res.writeHead(status, { 'content-type': contentType }).end(typeof body === 'string' && contentType !== 'application/json' ? body : JSON.stringify(body ?? {}));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const url = new URL(req.url!, 'http://x');
    const q = url.searchParams;
    const m = req.method!;
    const send = (status: number, b?: unknown) => this.#send(res, status, b);
    const notFound = (what = '404 Not found') => send(404, { message: what });
    if (req.headers['private-token'] !== this.token) return send(401, { message: '401 Unauthorized' });
    // Path segments stay URL-encoded until split: the project id is `acme%2Ffleet`.
    const seg = url.pathname.replace(/^\/api\/v4/, '').split('/').slice(1).map(decodeURIComponent);

    if (m === 'GET' && seg[0] === 'user' && seg.length === 1) return send(200, { id: GL_BOT.id, username: GL_BOT.username, commit_email: GL_BOT.email });
    if (m === 'GET' && seg[0] === 'users' && seg.length === 1) {
      const name = q.get('username') ?? '';
      return send(200, name ? [{ id: this.userId(name), username: name, name, state: 'active' }] : []);
    }
    if (m === 'GET' && seg[0] === 'groups') return notFound('404 Group Not Found');
    if (seg[0] !== 'projects' || seg[1] !== this.path) { this.unknown.push(`${m} ${url.pathname}`); return notFound(); }
    const r = seg.slice(2);

    if (m === 'GET' && r.length === 0) return send(200, { id: 1, path_with_namespace: this.path, default_branch: 'main', web_url: `${this.url}/${this.path}` });
    if (r[0] === 'members' && r[1] === 'all' && m === 'GET') {
      const name = [...this.#userIds].find(([, id]) => id === Number(r[2]))?.[0];
      if (name && this.members[name] === undefined) return notFound('404 Member Not Found');
      return name ? send(200, { id: Number(r[2]), username: name, access_level: this.members[name], state: 'active', membership_state: 'active' }) : notFound('404 Member Not Found');
    }
    if (r[0] === 'repository') {
      if (m === 'GET' && r[1] === 'files' && r[3] === 'raw') {
        const file = this.filesAt(q.get('ref') ?? 'main')[r[2]!];
        return file === undefined ? notFound('404 File Not Found') : this.#send(res, 200, file, 'text/plain');
      }
      if (m === 'GET' && r[1] === 'branches' && r.length === 3) {
        const s = this.refs.get(r[2]!);
        return s ? send(200, { name: r[2], commit: { id: s } }) : notFound('404 Branch Not Found');
      }
      if (m === 'GET' && r[1] === 'tree') {
        return send(200, Object.keys(this.filesAt(q.get('ref') ?? 'main')).sort().map((p, i) => ({ id: String(i), name: p.split('/').at(-1), type: 'blob', path: p, mode: '100644' })));
      }
      if (m === 'GET' && r[1] === 'compare') {
        const from = q.get('from') ?? 'main';
        const to = q.get('to') ?? '';
        if (!this.refs.has(to)) return notFound('404 Ref Not Found');
        return send(200, { commits: this.commitsBetween(from, to).map((c) => ({ id: c.sha, title: c.message, author_email: this.emails.get(c.sha) ?? `${c.author}@example.test`, author_name: c.author })), diffs: [] });
      }
      if (m === 'POST' && r[1] === 'commits') {
        // Commits API with actions; `start_branch` + `force` rebuilds the branch from it.
        const branch = String(body.branch);
        const start = body.start_branch ? String(body.start_branch) : branch;
        const parent = body.force ? this.refs.get(start) : this.refs.get(branch) ?? this.refs.get(start);
        if (!parent) return send(400, { message: 'You can only create or edit files when you are on a branch' });
        const files = { ...this.filesAt(parent) };
        for (const a of body.actions as { action: string; file_path: string; content?: string }[]) {
          const exists = files[a.file_path] !== undefined;
          if (a.action === 'create' && exists) return send(400, { message: `A file with this name already exists: ${a.file_path}` });
          if (a.action === 'update' && !exists) return send(400, { message: `A file with this name doesn't exist: ${a.file_path}` });
          if (a.action === 'delete') delete files[a.file_path];
          else files[a.file_path] = a.content ?? '';
        }
        const c = this.commit(this.tree(files), [parent], String(body.author_name ?? GL_BOT.username), String(body.commit_message));
        this.emails.set(c.sha, String(body.author_email ?? GL_BOT.email));
        this.refs.set(branch, c.sha);
        return send(201, { id: c.sha, short_id: c.sha.slice(0, 8), title: c.message, author_email: this.emails.get(c.sha), parent_ids: [parent] });
      }
    }
    if (m === 'POST' && r[0] === 'statuses' && r.length === 2) {
      const sha = r[1]!;
      if (!this.commits.has(sha)) return notFound('404 Commit Not Found');
      const s: CommitStatus = { sha, name: String(body.name ?? body.context ?? 'default'), state: String(body.state), ...(body.description ? { description: String(body.description) } : {}), ...(body.target_url ? { target_url: String(body.target_url) } : {}) };
      if (String(s.description ?? '').length > 255) return send(400, { message: { description: ['is too long (maximum is 255 characters)'] } });
      this.statuses.push(s);
      return send(201, { id: this.statuses.length, sha, ref: null, status: s.state, name: s.name, description: s.description ?? null, target_url: s.target_url ?? null, allow_failure: false });
    }
    if (r[0] === 'merge_requests') {
      if (m === 'GET' && r.length === 1) {
        const state = q.get('state');
        const source = q.get('source_branch');
        return send(200, this.mergeRequests.filter((x) => (!state || state === 'all' || x.state === state) && (!source || x.source === source)).map((x) => this.mrJson(x)));
      }
      if (m === 'POST' && r.length === 1) {
        const mr: MergeRequest = {
          iid: this.mergeRequests.length + 1, state: 'opened', title: String(body.title), description: String(body.description ?? ''),
          source: String(body.source_branch), target: String(body.target_branch), author: GL_BOT.username, labels: body.labels ? String(body.labels).split(',') : [],
        };
        if (!this.refs.has(mr.source)) return send(400, { message: ['Source branch does not exist'] });
        this.mergeRequests.push(mr);
        return send(201, this.mrJson(mr));
      }
      const mr = this.mergeRequests.find((x) => x.iid === Number(r[1]));
      if (!mr) return notFound('404 Merge Request Not Found');
      if (m === 'GET' && r.length === 2) return send(200, this.mrJson(mr));
      if (m === 'PUT' && r.length === 2) {
        if (body.title !== undefined) mr.title = String(body.title);
        if (body.description !== undefined) mr.description = String(body.description);
        return send(200, this.mrJson(mr));
      }
      if (m === 'GET' && r[2] === 'diffs') {
        const a = this.filesAt(mr.target);
        const b = this.filesAt(this.headOf(mr));
        const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((f) => a[f] !== b[f]);
        return send(200, changed.map((f) => ({ old_path: f, new_path: f, a_mode: '100644', b_mode: '100644', diff: '', new_file: a[f] === undefined, renamed_file: false, deleted_file: b[f] === undefined, generated_file: false })));
      }
      if (m === 'GET' && r[2] === 'approvals') {
        const by = this.approvals.get(mr.iid) ?? [];
        return send(200, { id: 5000 + mr.iid, iid: mr.iid, project_id: 1, state: mr.state, approved: by.length > 0, approvals_required: 0, approvals_left: 0, approved_by: by.map((u) => ({ user: { id: this.userId(u), username: u, name: u, state: 'active' } })) });
      }
      // Reviewers and their state (GitLab 16.9+): none in this story, as a real MR without reviewers answers.
      if (m === 'GET' && r[2] === 'reviewers') return send(200, []);
      if (r[2] === 'notes') {
        const noteJson = (n: Note) => ({ id: n.id, type: null, body: n.body, author: { id: this.userId(n.author), username: n.author, name: n.author }, system: false, noteable_type: 'MergeRequest', noteable_iid: n.iid });
        if (m === 'GET' && r.length === 3) return send(200, this.notes.filter((n) => n.iid === mr.iid).map(noteJson));
        if (m === 'POST' && r.length === 3) {
          const n: Note = { id: ++this.#noteId, iid: mr.iid, body: String(body.body), author: GL_BOT.username };
          this.notes.push(n);
          return send(201, noteJson(n));
        }
        const n = this.notes.find((x) => x.id === Number(r[3]) && x.iid === mr.iid);
        if (!n) return notFound('404 Note Not Found');
        if (m === 'PUT' && r.length === 4) { n.body = String(body.body); return send(200, noteJson(n)); }
        if (m === 'POST' && r[4] === 'award_emoji') {
          if (this.awards.some((a) => a.noteId === n.id && a.name === body.name)) return send(400, { message: 'Award Emoji has already been taken' });
          this.awards.push({ noteId: n.id, name: String(body.name) });
          return send(201, { id: this.awards.length, name: body.name, user: { id: GL_BOT.id, username: GL_BOT.username } });
        }
      }
    }
    this.unknown.push(`${m} ${url.pathname}`);
    return notFound();
  }

  /** A person writes a note on an MR (the webhook is sent by the test). */
  addNote(iid: number, body: string, author: string): Note {
    const n: Note = { id: ++this.#noteId, iid, body, author };
    this.notes.push(n);
    return n;
  }
}
