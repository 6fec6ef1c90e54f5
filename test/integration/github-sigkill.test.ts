/**
 * A worker killed with SIGKILL in the middle of opening a PR (after GitHub created it, before the
 * job finished): the job is retried as stalled and the PR exists exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { createRedis } from '../../app/queues.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

interface Pr { number: number; head: string; body: string; title: string }
const state = { prs: [] as Pr[], hangCreate: true, createCalls: 0, refs: new Set<string>() };
let server: Server;
let githubUrl: string;
const prefix = uniquePrefix('sigkill');
const connection = createRedis(REDIS_URL);
let queue: Queue;
const children: ChildProcess[] = [];

async function json(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
}

const pull = (p: Pr) => ({ number: p.number, state: 'open', title: p.title, body: p.body, html_url: `x/${p.number}`, head: { ref: p.head, sha: 'h', repo: { full_name: 'acme/slos' } }, base: { ref: 'main', repo: { full_name: 'acme/slos' } } });

/** Just enough of GitHub's REST API, with state, for ensurePullRequest. */
function fakeGitHub(): Server {
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url!, 'http://x');
      const body = await json(req);
      const send = (status: number, data: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
      const p = decodeURIComponent(url.pathname);
      if (req.method === 'GET' && p === '/repos/acme/slos') return send(200, { default_branch: 'main' });
      if (req.method === 'GET' && p === '/repos/acme/slos/pulls') return send(200, state.prs.filter((x) => `acme:${x.head}` === url.searchParams.get('head')).map(pull));
      if (req.method === 'GET' && p.startsWith('/repos/acme/slos/compare/')) return state.refs.size ? send(200, { commits: [{ sha: 'c', author: { login: 'slo-scout[bot]' } }] }) : send(404, {});
      if (req.method === 'GET' && p === '/repos/acme/slos/git/ref/heads/main') return send(200, { object: { sha: 'base' } });
      if (req.method === 'GET' && p === '/repos/acme/slos/git/commits/base') return send(200, { tree: { sha: 't0' } });
      if (req.method === 'POST' && p === '/repos/acme/slos/git/trees') return send(201, { sha: 't1' });
      if (req.method === 'POST' && p === '/repos/acme/slos/git/commits') return send(201, { sha: 'c1' });
      if (req.method === 'PATCH' && p.startsWith('/repos/acme/slos/git/refs/')) return state.refs.size ? send(200, {}) : send(422, {});
      if (req.method === 'POST' && p === '/repos/acme/slos/git/refs') { state.refs.add(String(body.ref)); return send(201, {}); }
      if (req.method === 'POST' && p === '/repos/acme/slos/pulls') {
        state.createCalls++;
        const pr = { number: state.prs.length + 1, head: String(body.head), body: String(body.body), title: String(body.title) };
        state.prs.push(pr);
        if (state.hangCreate) return; // GitHub created it; the worker dies before it hears back
        return send(201, pull(pr));
      }
      if (req.method === 'POST' && /\/issues\/\d+\/labels$/.test(p)) return send(200, []);
      send(404, { message: `fake GitHub has no ${req.method} ${p}` });
    })();
  });
}

function startChild(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/workers/fixtures/open-pr-worker.ts'], {
    env: { ...process.env, REDIS_URL, QUEUE_PREFIX: prefix, GITHUB_URL: githubUrl, ...(process.env.CHILD_DEBUG ? { CHILD_DEBUG: '1' } : {}) }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`worker child exited early (${code})`)));
  });
}

beforeAll(async () => {
  server = fakeGitHub();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  githubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  queue = new Queue('open-pr', { connection, prefix });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  connection.disconnect();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('SIGKILL mid-job', () => {
  it('the stalled job is retried and the PR is opened exactly once', async () => {
    const events = new QueueEvents('open-pr', { connection: createRedis(REDIS_URL), prefix });
    await events.waitUntilReady();
    const first = await startChild();
    await queue.add('open-pr', { owner: 'acme', repo: 'slos', branch: 'slo-scout/checkout', title: 'SLOs for checkout', body: 'b', files: [{ path: 'slos/a.yaml', content: 'a: 1\n' }], labels: [] }, { jobId: 'kill-me' });
    await waitFor(() => state.createCalls === 1, 'the PR create request');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    state.hangCreate = false;
    await startChild();
    const job = await queue.getJob('kill-me');
    const result = await job!.waitUntilFinished(events, 30_000) as { action: string; number: number };
    await events.close();
    expect(result).toEqual({ action: 'unchanged', number: 1 });
    expect(state.prs).toHaveLength(1);
    expect(state.createCalls).toBe(1);
  });
});
