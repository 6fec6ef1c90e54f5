/**
 * Issue 10, item 7: the pull-request story end to end, with the real processes. `slo-scout serve`
 * and `slo-scout worker` run as child processes (tsx app/bin.ts) against a real Prometheus with
 * four weeks of backfilled history, the shared PostgreSQL and Redis, and a GitHub stand-in
 * (./github-stand-in.ts) reached through GHE_HOST/GHE_PROTOCOL. Signed webhooks drive the story;
 * every step asserts on the stand-in's state.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { buildBlocks, freePort, OTEL_NAMING, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { BOT, GitHubStandIn, type Pull } from './github-stand-in.js';
import { AppProcesses } from './processes.js';
const SERVICES = ['checkout', 'payments', 'search'];
const OWNER = 'acme';
const REPO = 'fleet';
const INSTALLATION = 4242;
const SECRET = 'e2e-webhook-secret';
const DAY = 86_400;

let prom: RunningPrometheus;
let blocksFor: (seed: number, services: string[]) => Promise<string>;
let gh: GitHubStandIn;
let db: TestDatabase;
let port: number;
const apps = new AppProcesses();
const logs = apps.logs;

const CONFIG = (promUrl: string) => `version: 1
datasources:
  prometheus: { url: ${promUrl} }
metrics: { versionLabel: service_version }
services: { include: [${SERVICES.join(', ')}] }
routes: { exclude: ["**/healthz", "**/livez", "**/readyz", "**/metrics", "**/ping"] }
analysis: { window: 28d, breachWindow: 1d }
policies:
  - policy_id: reviewed
    approval_required: true
    approvers: { users: [alice] }
`;

async function webhook(event: string, payload: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify({ ...payload, installation: { id: INSTALLATION }, repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, default_branch: 'main' }, sender: payload.sender ?? { login: 'octocat', type: 'User' } });
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
  });
  expect(res.status, `${event} webhook`).toBeLessThan(300);
}

let nextComment = 5000;
const comment = (pr: number, body: string, login: string, onPr = true) => webhook('issue_comment', {
  action: 'created', issue: { number: pr, ...(onPr ? { pull_request: { url: 'x' } } : {}) }, comment: { id: ++nextComment, body, user: { login, type: 'User' } }, sender: { login, type: 'User' },
});

const prOf = (service: string): Pull => gh.pulls.find((p) => p.head === `slo-scout/${service}`)!;
const headSha = (service: string) => gh.headOf(prOf(service));
const guardOn = (sha: string) => gh.checkRuns.filter((c) => c.name === 'SLO-Scout Policy Guard' && c.head_sha === sha).at(-1);
const topic = (pr: number, t: string) => gh.comments.filter((c) => c.issue === pr && c.user === BOT && c.body.includes(`<!-- slo-scout:topic=${t} -->`));
const branchCommits = () => Object.fromEntries(SERVICES.map((s) => [s, gh.refs.get(`slo-scout/${s}`)]));

beforeAll(async () => {
  const end = Math.floor(Date.now() / 1000 / DAY) * DAY; // the worker analyses as of today's day boundary
  blocksFor = (seed, services) => buildBlocks({ fleet: { seed, end, days: 29, scenario: 'demo' }, naming: OTEL_NAMING, filter: (e) => services.includes(e.service) }, `e2e-${services.join(',')}`);
  // search's history is its own block, so "new data" for search alone is another block at the same URL.
  const blocks = [await blocksFor(7, SERVICES.filter((s) => s !== 'search')), await blocksFor(7, ['search'])];
  [prom, db] = await Promise.all([startPrometheus(blocks), createTestDatabase()]);
  gh = new GitHubStandIn(OWNER, REPO, INSTALLATION);
  Object.assign(gh.permissions, { maintainer: 'maintain', alice: 'write' });
  await gh.start();
  port = await freePort();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const env = {
    APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: uniquePrefix('e2e'),
    GHE_HOST: gh.url.replace('http://', ''), GHE_PROTOCOL: 'http', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKER_CONCURRENCY: '4',
    // The operator allows the datasource the repository's config names (docs/security.md): loopback is refused otherwise.
    SLO_SCOUT_ALLOWED_HOSTS: '127.0.0.1',
  };
  apps.start('serve', env);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 'serve /healthz', 90_000, 250);
  apps.start('worker', env);
  await waitFor(() => logs.some((l) => l.includes('workers started')), 'worker started', 90_000, 250);
}, 240_000);

afterAll(async () => {
  await apps.stopAll();
  await Promise.all([prom?.stop(), gh?.stop(), db?.drop()]);
});

describe('the pull-request story with the real serve and worker processes', () => {
  it('install + config push -> ONE analysis -> one PR per service, each one commit by the app', async () => {
    gh.push('main', { '.slo-scout.yml': CONFIG(prom.url) });
    await webhook('installation', { action: 'created', installation: { id: INSTALLATION, account: { login: OWNER } }, repositories: [{ id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, private: false }] });
    await webhook('push', { ref: 'refs/heads/main', commits: [{ id: 'c', added: ['.slo-scout.yml'], modified: [], removed: [] }] });
    await waitFor(() => gh.pulls.length >= SERVICES.length, 'one PR per service', 120_000, 250).catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${logs.slice(-40).join('\n')}`); });
    await new Promise((r) => setTimeout(r, 2_000)); // a second analysis would open duplicates now
    expect(gh.pulls.map((p) => p.head).sort()).toEqual(SERVICES.map((s) => `slo-scout/${s}`));
    for (const s of SERVICES) {
      const pr = prOf(s);
      expect(pr.labels).toContain('slo-scout');
      expect(pr.body).toContain(`<!-- slo-scout:service=${s} -->`);
      const files = Object.keys(gh.filesAt(headSha(s))).filter((f) => f.startsWith('slo-proposals/'));
      expect(files.every((f) => f.startsWith(`slo-proposals/slos/${s}/`))).toBe(true);
      expect(files.some((f) => f.endsWith('.openslo.yaml'))).toBe(true);
      expect(gh.commits.get(headSha(s))!.parents).toEqual([gh.refs.get('main')]);
      expect(gh.filesAt(headSha(s))[`slo-proposals/slos/${s}/report.json`]).not.toMatch(/generatedAt|totalSeconds/);
    }
    expect(gh.unknown).toEqual([]);
  }, 180_000);

  it('pull_request.opened -> both check runs on each head; the guard asks for approval', async () => {
    for (const s of SERVICES) await webhook('pull_request', { action: 'opened', number: prOf(s).number, pull_request: gh.pullJson(prOf(s)) });
    await waitFor(() => SERVICES.every((s) => guardOn(headSha(s)) && gh.checkRuns.some((c) => c.name === 'SLO-Scout config' && c.head_sha === headSha(s))), 'both checks on every head', 60_000, 250);
    for (const s of SERVICES) {
      expect(guardOn(headSha(s))!.conclusion).toBe('action_required');
      expect(gh.checkRuns.find((c) => c.name === 'SLO-Scout config' && c.head_sha === headSha(s))!.conclusion).toBe('success');
    }
  }, 90_000);

  it('simulate and explain on the payments PR answer once, for payments only', async () => {
    const pr = prOf('payments').number;
    await comment(pr, '/slo-scout simulate replicas=2 traffic=2', 'visitor');
    await waitFor(() => topic(pr, 'simulate')[0]?.body.includes('### What-if'), 'simulate answered', 60_000, 250);
    const sim = topic(pr, 'simulate');
    expect(sim).toHaveLength(1);
    expect(sim[0]!.body).toContain('payments');
    for (const other of ['checkout', 'search']) expect(sim[0]!.body).not.toContain(other);
    expect(sim[0]!.body.length).toBeLessThan(65_536);
    await comment(pr, '/slo-scout explain', 'visitor');
    await waitFor(() => topic(pr, 'explain-payments')[0], 'explain answered', 60_000, 250);
    expect(topic(pr, 'explain-payments')[0]!.body).not.toMatch(/### `(checkout|search)-/);
    expect(gh.reactions.filter((r) => r.content === 'eyes').length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('variant on the payments PR rewrites only the payments branch', async () => {
    const before = branchCommits();
    const pr = prOf('payments').number;
    await comment(pr, '/slo-scout variant aggressive', 'maintainer');
    await waitFor(() => gh.refs.get('slo-scout/payments') !== before.payments, 'payments branch rewritten', 60_000, 250);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(gh.refs.get('slo-scout/checkout')).toBe(before.checkout);
    expect(gh.refs.get('slo-scout/search')).toBe(before.search);
    expect(topic(pr, 'variant')).toHaveLength(1);
    // The new head gets its own checks (GitHub sends synchronize after the push).
    await webhook('pull_request', { action: 'synchronize', number: pr, pull_request: gh.pullJson(prOf('payments')) });
    await waitFor(() => guardOn(headSha('payments')), 'guard on the new payments head', 60_000, 250);
  }, 120_000);

  it('approvals by native review and by comment turn the guard green', async () => {
    const payments = prOf('payments');
    gh.reviews.set(payments.number, [{ id: 1, user: { login: 'alice' }, state: 'APPROVED', commit_id: headSha('payments'), submitted_at: new Date().toISOString() }]);
    await webhook('pull_request_review', { action: 'submitted', review: { id: 1, user: { login: 'alice' }, state: 'approved', commit_id: headSha('payments') }, pull_request: { number: payments.number, head: { sha: headSha('payments') } } });
    await waitFor(() => guardOn(headSha('payments'))?.conclusion === 'success', 'guard green after the review', 60_000, 250);
    await comment(prOf('checkout').number, '/slo-scout approve looks right', 'alice');
    await waitFor(() => guardOn(headSha('checkout'))?.conclusion === 'success', 'guard green after the comment approval', 60_000, 250);
    expect(guardOn(headSha('search'))!.conclusion).toBe('action_required');
  }, 120_000);

  it('a rerun on unchanged data (from an issue) moves no branch and keeps the approvals', async () => {
    const before = branchCommits();
    const prsBefore = gh.pulls.length;
    const runs = apps.analyses;
    await comment(1, '/slo-scout rerun', 'maintainer', false);
    await waitFor(() => topic(1, 'rerun')[0], 'rerun acknowledged in the issue', 60_000, 250);
    await waitFor(() => apps.analyses > runs, 'rerun analysis finished', 120_000, 250);
    await new Promise((r) => setTimeout(r, 3_000)); // open-pr jobs would run now
    expect(branchCommits()).toEqual(before);
    expect(gh.pulls.length).toBe(prsBefore);
    expect(guardOn(headSha('payments'))!.conclusion).toBe('success');
    expect(gh.unknown).toEqual([]);
  }, 180_000);

  it('a rerun after new data for one service commits to that PR only', async () => {
    const before = branchCommits();
    const changed = [await blocksFor(7, SERVICES.filter((s) => s !== 'search')), await blocksFor(8, ['search'])];
    const port = Number(new URL(prom.url).port);
    await prom.stop();
    prom = await startPrometheus(changed, { port });
    const runs = apps.analyses;
    await comment(1, '/slo-scout rerun', 'maintainer', false);
    await waitFor(() => apps.analyses > runs, 'rerun analysis finished', 120_000, 250);
    await waitFor(() => gh.refs.get('slo-scout/search') !== before.search, 'search branch updated', 60_000, 250);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(gh.refs.get('slo-scout/checkout')).toBe(before.checkout);
    expect(gh.refs.get('slo-scout/payments')).toBe(before.payments);
    expect(gh.commits.get(gh.refs.get('slo-scout/search')!)!.author).toBe(BOT);
    // The approval on the unchanged payments head still stands.
    expect(guardOn(headSha('payments'))!.conclusion).toBe('success');
    expect(gh.unknown).toEqual([]);
  }, 180_000);
});
