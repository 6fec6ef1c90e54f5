/**
 * A small GitHub stand-in for the end-to-end test: the REST routes SLO-Scout uses, over an
 * in-memory git (commits, trees, refs), pulls, files, comments, reviews, reactions, check runs
 * and permissions. Reached by the real `serve`/`worker` processes through GHE_HOST/GHE_PROTOCOL
 * (Probot's base URL `<host>/api/v3`). Unknown routes answer 404 and are recorded, so the test
 * can assert that nothing unexpected was asked.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, type LocalServer } from './local-server.js';
import { GitStore, type Commit } from './git-store.js';

export const BOT = 'slo-scout[bot]';

export interface Pull { number: number; state: 'open' | 'closed'; title: string; body: string; head: string; base: string; user: string; labels: string[] }
export interface Comment { id: number; issue: number; body: string; user: string }
export interface CheckRun { name: string; head_sha: string; conclusion: string; output: { title: string; summary: string; text?: string } }
export interface Review { id: number; user: { login: string }; state: string; commit_id: string; submitted_at: string }

export class GitHubStandIn extends GitStore {
  readonly pulls: Pull[] = [];
  readonly comments: Comment[] = [];
  readonly reactions: { commentId: number; content: string }[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly reviews = new Map<number, Review[]>();
  readonly permissions: Record<string, string> = {};
  readonly unknown: string[] = [];
  requests = 0;
  #server: LocalServer | null = null;
  #commentId = 1000;
  url = '';

  constructor(readonly owner: string, readonly repo: string, readonly installationId: number) {
    super({ 'README.md': '# fleet\n' }, 'octocat');
  }

  headOf(pr: Pull): string { return this.refs.get(pr.head)!; }
  baseOf(pr: Pull): string { return this.refs.get(pr.base)!; }

  pullJson(p: Pull) {
    const full = `${this.owner}/${this.repo}`;
    return {
      number: p.number, state: p.state, title: p.title, body: p.body, merged: false, merged_at: null, user: { login: p.user, type: 'Bot' },
      head: { ref: p.head, sha: this.headOf(p), repo: { full_name: full } }, base: { ref: p.base, sha: this.baseOf(p), repo: { full_name: full } },
      html_url: `https://github.test/${full}/pull/${p.number}`, labels: p.labels.map((name) => ({ name })),
    };
  }

  async start(): Promise<void> {
    this.#server = await listenLocal((req, res) => void this.#handle(req, res).catch((err: unknown) => this.#send(res, 500, { message: String(err) })));
    this.url = this.#server.url;
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-ratelimit-remaining': '4999', 'x-ratelimit-resource': 'core' }).end(body === undefined ? '' : JSON.stringify(body));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> : {};
    const url = new URL(req.url!, 'http://x');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const q = url.searchParams;
    const m = req.method!;
    const auth = req.headers.authorization ?? '';
    const asApp = auth.startsWith('bearer ') || auth.startsWith('Bearer ey');
    const send = (status: number, b?: unknown) => this.#send(res, status, b);
    const seg = path.split('/').map(decodeURIComponent);

    // App-level (JWT)
    if (m === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) return send(201, { token: `ghs_${randomBytes(8).toString('hex')}`, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {}, repository_selection: 'all' });
    if (m === 'GET' && path === '/app') return send(200, { id: 1, slug: 'slo-scout', name: 'SLO-Scout' });
    if (m === 'GET' && /^\/orgs\/[^/]+\/teams\/[^/]+\/memberships\/[^/]+$/.test(path)) return send(404, { message: 'Not Found' });
    const prefix = `/repos/${this.owner}/${this.repo}`;
    if (!path.startsWith(prefix)) { this.unknown.push(`${m} ${path}`); return send(404, { message: 'Not Found' }); }
    const rest = path.slice(prefix.length);
    const r = seg.slice(4); // after ['', 'repos', owner, repo]
    const user = asApp ? 'app' : BOT;

    if (m === 'GET' && rest === '') return send(200, { name: this.repo, full_name: `${this.owner}/${this.repo}`, default_branch: 'main', owner: { login: this.owner } });
    if (m === 'GET' && rest === '/installation') return send(200, { id: this.installationId });
    if (m === 'GET' && r[0] === 'contents') {
      const file = r.slice(1).join('/');
      const text = this.filesAt(q.get('ref') ?? 'main')[file];
      return text === undefined ? send(404, { message: 'Not Found' }) : send(200, { type: 'file', encoding: 'base64', path: file, content: Buffer.from(text).toString('base64') });
    }
    if (r[0] === 'git') {
      if (m === 'GET' && r[1] === 'ref') {
        const ref = r.slice(2).join('/').replace(/^heads\//, '');
        const s = this.refs.get(ref);
        return s ? send(200, { ref: `refs/heads/${ref}`, object: { sha: s, type: 'commit' } }) : send(404, { message: 'Not Found' });
      }
      if (m === 'GET' && r[1] === 'commits') {
        const c = this.commits.get(r[2]!);
        return c ? send(200, { sha: c.sha, tree: { sha: c.tree }, parents: c.parents.map((p) => ({ sha: p })) }) : send(404, { message: 'Not Found' });
      }
      if (m === 'GET' && r[1] === 'trees') {
        const files = this.filesAt(r[2]!);
        return send(200, { sha: r[2], truncated: false, tree: Object.keys(files).map((p) => ({ path: p, type: 'blob', mode: '100644' })) });
      }
      if (m === 'POST' && r[1] === 'trees') {
        const base = this.trees.get(String(body.base_tree)) ?? {};
        const files = { ...base };
        for (const e of body.tree as { path: string; content: string }[]) files[e.path] = e.content;
        const id = this.tree(files);
        return send(201, { sha: id, tree: [] });
      }
      if (m === 'POST' && r[1] === 'commits') {
        const c = this.commit(String(body.tree), body.parents as string[], BOT, String(body.message));
        return send(201, { sha: c.sha, tree: { sha: c.tree } });
      }
      if (m === 'PATCH' && r[1] === 'refs') {
        const ref = r.slice(2).join('/').replace(/^heads\//, '');
        if (!this.refs.has(ref)) return send(422, { message: 'Reference does not exist' });
        this.refs.set(ref, String(body.sha));
        return send(200, { ref: `refs/heads/${ref}`, object: { sha: body.sha } });
      }
      if (m === 'POST' && r[1] === 'refs') {
        const ref = String(body.ref).replace(/^refs\/heads\//, '');
        if (this.refs.has(ref)) return send(422, { message: 'Reference already exists' });
        this.refs.set(ref, String(body.sha));
        return send(201, { ref: body.ref, object: { sha: body.sha } });
      }
    }
    if (m === 'GET' && r[0] === 'compare') {
      const [base, head] = r.slice(1).join('/').split('...') as [string, string];
      if (!this.refs.has(head)) return send(404, { message: 'Not Found' });
      const commits: Commit[] = this.commitsBetween(base, head);
      return send(200, { commits: commits.map((c) => ({ sha: c.sha, author: { login: c.author } })) });
    }
    if (r[0] === 'pulls') {
      if (m === 'GET' && r.length === 1) {
        const head = q.get('head')?.split(':')[1];
        return send(200, this.pulls.filter((p) => p.state === (q.get('state') ?? 'open') && (!head || p.head === head)).map((p) => this.pullJson(p)));
      }
      if (m === 'POST' && r.length === 1) {
        const p: Pull = { number: this.pulls.length + this.comments.length + 1, state: 'open', title: String(body.title), body: String(body.body), head: String(body.head), base: String(body.base), user: BOT, labels: [] };
        p.number = 100 + this.pulls.length;
        this.pulls.push(p);
        return send(201, this.pullJson(p));
      }
      const pr = this.pulls.find((p) => p.number === Number(r[1]));
      if (!pr) return send(404, { message: 'Not Found' });
      if (m === 'GET' && r.length === 2) return send(200, this.pullJson(pr));
      if (m === 'PATCH' && r.length === 2) { Object.assign(pr, body.title ? { title: body.title } : {}, body.body ? { body: body.body } : {}); return send(200, this.pullJson(pr)); }
      if (m === 'GET' && r[2] === 'files') {
        if (Number(q.get('page') ?? 1) > 1) return send(200, []);
        const a = this.filesAt(this.baseOf(pr));
        const b = this.filesAt(this.headOf(pr));
        const files = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((f) => a[f] !== b[f])
          .map((f) => ({ filename: f, status: a[f] === undefined ? 'added' : b[f] === undefined ? 'removed' : 'modified' }));
        return send(200, files);
      }
      if (m === 'GET' && r[2] === 'reviews') return send(200, Number(q.get('page') ?? 1) > 1 ? [] : this.reviews.get(pr.number) ?? []);
    }
    if (r[0] === 'issues') {
      if (r[2] === 'comments' && m === 'GET') return send(200, this.comments.filter((c) => c.issue === Number(r[1])).map((c) => ({ id: c.id, body: c.body, user: { login: c.user } })));
      if (r[2] === 'comments' && m === 'POST') {
        const c = { id: ++this.#commentId, issue: Number(r[1]), body: String(body.body), user };
        this.comments.push(c);
        return send(201, { id: c.id, body: c.body, user: { login: c.user } });
      }
      if (r[1] === 'comments' && r[3] === 'reactions' && m === 'POST') { this.reactions.push({ commentId: Number(r[2]), content: String(body.content) }); return send(201, { id: 1, content: body.content }); }
      if (r[1] === 'comments' && m === 'PATCH') {
        const c = this.comments.find((x) => x.id === Number(r[2]));
        if (!c) return send(404, { message: 'Not Found' });
        c.body = String(body.body);
        return send(200, { id: c.id, body: c.body, user: { login: c.user } });
      }
      if (r[2] === 'labels' && m === 'POST') {
        const pr = this.pulls.find((p) => p.number === Number(r[1]));
        pr?.labels.push(...(body.labels as string[]));
        return send(200, []);
      }
    }
    if (m === 'GET' && r[0] === 'collaborators' && r[2] === 'permission') {
      const perm = this.permissions[r[1]!] ?? 'read';
      return send(200, { permission: perm === 'maintain' ? 'write' : perm, role_name: perm, user: { login: r[1] } });
    }
    if (m === 'POST' && r[0] === 'check-runs') {
      this.checkRuns.push(body as unknown as CheckRun);
      return send(201, { id: this.checkRuns.length });
    }
    this.unknown.push(`${m} ${path}`);
    return send(404, { message: 'Not Found' });
  }
}
