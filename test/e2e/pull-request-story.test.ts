/**
 * Issue 10, item 7: the pull-request story end to end, with the real processes. `slo-scout serve`
 * and `slo-scout worker` run as child processes (tsx app/bin.ts) against a real Prometheus with
 * four weeks of backfilled history, the shared PostgreSQL and Redis, a GitHub stand-in
 * (./github-stand-in.ts) reached through GHE_HOST/GHE_PROTOCOL, and Slack and PagerDuty stand-ins
 * (./chat-stand-ins.ts) reached through SLACK_API_URL, PAGERDUTY_API_URL and PAGERDUTY_EVENTS_URL.
 * Signed webhooks (GitHub, Slack, PagerDuty) drive the story; every step asserts on the stand-ins'
 * state. The steps share the processes and build on each other: after a failed step the rest are
 * skipped, and the failed one prints the stand-ins' state and the processes' last log lines.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { buildBlocks, freePort, OTEL_NAMING, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { createRedis, Queues, type QueueName } from '../../app/queues.js';
import { BOT, GitHubStandIn, type Pull } from './github-stand-in.js';
import { PagerDutyStandIn, signedSlackClick, SlackStandIn } from './chat-stand-ins.js';
import { AppProcesses } from './processes.js';
const SERVICES = ['checkout', 'payments', 'search'];
const OWNER = 'acme';
const REPO = 'fleet';
const INSTALLATION = 4242;
const SECRET = 'e2e-webhook-secret';
const SLACK_SECRET = 'e2e-slack-signing-secret';
const PD_SECRET = 'e2e-pagerduty-webhook-secret';
const PD_ROUTING_KEY = 'e2e0routing0key0000000000000000a'; // Events API v2 integration keys are 32 characters
const SLACK_CHANNEL = 'C0SLOGUARD';
const ALICE_SLACK = 'U0ALICE';
const ESCALATION_POLICY = 'P0SREEP';
const BOB_ON_CALL = { id: 'P0BOB', email: 'bob@acme.test', name: 'Bob' };
const DAY = 86_400;

let prom: RunningPrometheus;
let blocksFor: (seed: number, services: string[]) => Promise<string>;
let gh: GitHubStandIn;
let slack: SlackStandIn;
let pd: PagerDutyStandIn;
let db: TestDatabase;
let queues: Queues;
const queueRedis = createRedis(REDIS_URL);
queueRedis.on('error', () => undefined);
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
    approvers: { users: [alice, bob] }
    escalate_to_pagerduty: { when: always }
policy_guard:
  slack: { channel: ${SLACK_CHANNEL}, users: { ${ALICE_SLACK}: alice } }
  pagerduty:
    routing_keys: { default: { env: PD_ROUTING_KEY } }
    users: { "${BOB_ON_CALL.email}": bob }
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
/** What moved between two heads, file by file with the first differing line: says why a branch moved when it should not have. */
function changesBetween(a: string, b: string): string {
  const [x, y] = [gh.filesAt(a), gh.filesAt(b)];
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((f) => x[f] !== y[f]).map((f) => {
    const [l1, l2] = [(x[f] ?? '').split('\n'), (y[f] ?? '').split('\n')];
    const i = l1.findIndex((l, n) => l !== l2[n]);
    return `${f}: line ${i + 1}\n  - ${(l1[i] ?? '').slice(0, 300)}\n  + ${(l2[i] ?? '').slice(0, 300)}`;
  }).join('\n');
}
const expectUnmoved = (before: Record<string, string | undefined>) => {
  const after = branchCommits();
  const moved = SERVICES.filter((s) => after[s] !== before[s]).map((s) => `${s}:\n${changesBetween(before[s]!, after[s]!)}`).join('\n');
  expect(moved, 'branches moved on a rerun with unchanged data').toBe('');
};

/** The jobs the story's steps start; `retention` is a standing hourly schedule, never idle. */
const STORY_QUEUES: QueueName[] = ['webhook', 'analyze', 'open-pr', 'simulate', 'policy-evaluate'];

/** Jobs not finished yet; the weekly analysis schedule's next run (a job scheduler's delayed job) is not work in flight. */
async function pendingJobs(): Promise<number> {
  const per = await Promise.all(STORY_QUEUES.map(async (name) => {
    const q = queues.get(name);
    const c = await q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
    const delayed = (await q.getDelayed()).filter((j) => !j.repeatJobKey);
    return Object.values(c).reduce((a, b) => a + b, 0) + delayed.length;
  }));
  return per.reduce((a, b) => a + b, 0);
}

/**
 * Every job the story started has finished (or failed for good), twice in a row: the condition a
 * step waits on before asserting that something did NOT happen, instead of sleeping and hoping.
 */
async function quiet(what: string, timeoutMs = 120_000): Promise<void> {
  let calm = 0;
  await waitFor(async () => {
    calm = (await pendingJobs()) === 0 ? calm + 1 : 0;
    return calm >= 2;
  }, `no queued work left (${what})`, timeoutMs, 300);
}

/** A signed Slack click on /slack/events of the serve process (chat-stand-ins.ts). */
const slackClick = (message: { channel: string; ts: string; value: string }, user: string, actionTs: string, secret = SLACK_SECRET): Promise<Response> =>
  signedSlackClick(`http://127.0.0.1:${port}/slack/events`, message, user, actionTs, secret);

/** A PagerDuty v3 webhook `incident.acknowledged` for the incident our trigger opened, signed `v1=` HMAC-SHA256. */
async function pagerDutyAck(eventId: string, dedupKey: string, agentId: string, secret = PD_SECRET): Promise<Response> {
  const body = JSON.stringify({
    event: {
      id: eventId, event_type: 'incident.acknowledged', resource_type: 'incident', occurred_at: new Date().toISOString(),
      agent: { id: agentId, type: 'user_reference', summary: 'Bob', self: `https://api.pagerduty.com/users/${agentId}`, html_url: `https://acme.pagerduty.com/users/${agentId}` },
      client: null,
      data: {
        id: 'Q0INCIDENT', type: 'incident', number: 42, status: 'acknowledged', incident_key: dedupKey, title: 'SLO change needs approval', urgency: 'high',
        self: 'https://api.pagerduty.com/incidents/Q0INCIDENT', html_url: 'https://acme.pagerduty.com/incidents/Q0INCIDENT', created_at: new Date().toISOString(),
        service: { id: 'P0SERVICE', type: 'service_reference', summary: 'SLO-Scout' },
        escalation_policy: { id: ESCALATION_POLICY, type: 'escalation_policy_reference', summary: 'SRE' },
        assignees: [{ id: agentId, type: 'user_reference', summary: 'Bob' }], teams: [], priority: null, conference_bridge: null, resolve_reason: null,
      },
    },
  });
  return fetch(`http://127.0.0.1:${port}/webhooks/pagerduty`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${createHmac('sha256', secret).update(body).digest('hex')}` } });
}

/** What a failed step prints: enough of every stand-in to see where the story went off. */
function standInState(): string {
  const lines = [`github: ${gh.requests} requests; refs ${[...gh.refs].map(([r, s]) => `${r}=${s.slice(0, 7)}`).join(' ')}; unknown routes: ${gh.unknown.join(', ') || 'none'}`];
  for (const p of gh.pulls) {
    const head = gh.headOf(p);
    const checks = gh.checkRuns.filter((c) => c.head_sha === head).map((c) => `${c.name}=${c.conclusion}`);
    lines.push(`  #${p.number} ${p.head} head ${head.slice(0, 7)}: ${checks.join(', ') || 'no checks'}`);
  }
  for (const c of gh.comments) lines.push(`  comment ${c.id} on #${c.issue} by ${c.user}: ${c.body.replace(/\s+/g, ' ').slice(0, 160)}`);
  return [...lines, slack.summary(), pd.summary()].join('\n');
}

let failedStep: string | null = null;
beforeEach((ctx) => {
  if (failedStep) ctx.skip(`skipped: the story broke at "${failedStep}"`);
  ctx.onTestFailed(async () => {
    failedStep = ctx.task.name;
    const pending = await pendingJobs().catch((err: unknown) => `unknown (${String(err)})`);
    console.error(`e2e step failed: ${ctx.task.name}\n--- stand-ins (jobs still pending: ${pending}) ---\n${standInState()}\n--- last log lines ---\n${logs.slice(-60).join('\n')}`);
  });
});

beforeAll(async () => {
  const end = Math.floor(Date.now() / 1000 / DAY) * DAY; // the worker analyses as of today's day boundary
  blocksFor = (seed, services) => buildBlocks({ fleet: { seed, end, days: 29, scenario: 'demo' }, naming: OTEL_NAMING, filter: (e) => services.includes(e.service) }, `e2e-${services.join(',')}`);
  // search's history is its own block, so "new data" for search alone is another block at the same URL.
  const blocks = [await blocksFor(7, SERVICES.filter((s) => s !== 'search')), await blocksFor(7, ['search'])];
  [prom, db] = await Promise.all([startPrometheus(blocks), createTestDatabase()]);
  gh = new GitHubStandIn(OWNER, REPO, INSTALLATION);
  Object.assign(gh.permissions, { maintainer: 'maintain', alice: 'write' });
  slack = new SlackStandIn('xoxb-e2e-bot-token');
  pd = new PagerDutyStandIn('e2e-pagerduty-rest-token', PD_ROUTING_KEY);
  pd.onCall.set(ESCALATION_POLICY, [BOB_ON_CALL]);
  await Promise.all([gh.start(), slack.start(), pd.start()]);
  port = await freePort();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const env = {
    APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: uniquePrefix('e2e'),
    GHE_HOST: gh.url.replace('http://', ''), GHE_PROTOCOL: 'http', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKER_CONCURRENCY: '4',
    // The operator allows the datasource the repository's config names (docs/security.md): loopback is refused otherwise.
    SLO_SCOUT_ALLOWED_HOSTS: '127.0.0.1',
    SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl,
    PAGERDUTY_WEBHOOK_SECRET: PD_SECRET, PAGERDUTY_API_TOKEN: pd.apiToken, PAGERDUTY_API_URL: pd.apiUrl, PAGERDUTY_EVENTS_URL: pd.eventsUrl,
    // The policy names its routing key by `{ env: PD_ROUTING_KEY }`; the operator lets configs read that name.
    PD_ROUTING_KEY, SLO_SCOUT_CONFIG_ENV_ALLOW: 'PD_ROUTING_KEY',
  };
  queues = new Queues({ connection: queueRedis, prefix: env.QUEUE_PREFIX });
  apps.start('serve', env);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 'serve /healthz', 90_000, 250);
  apps.start('worker', env);
  await waitFor(() => logs.some((l) => l.includes('workers started')), 'worker started', 90_000, 250);
}, 240_000);

afterAll(async () => {
  await apps.stopAll();
  await queues?.close();
  queueRedis.disconnect();
  await Promise.all([prom?.stop(), gh?.stop(), slack?.stop(), pd?.stop(), db?.drop()]);
});

describe('the pull-request story with the real serve and worker processes', () => {
  it('install + config push -> ONE analysis -> one PR per service, each one commit by the app', async () => {
    gh.push('main', { '.slo-scout.yml': CONFIG(prom.url) });
    await webhook('installation', { action: 'created', installation: { id: INSTALLATION, account: { login: OWNER } }, repositories: [{ id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, private: false }] });
    await webhook('push', { ref: 'refs/heads/main', commits: [{ id: 'c', added: ['.slo-scout.yml'], modified: [], removed: [] }] });
    await waitFor(() => gh.pulls.length >= SERVICES.length, 'one PR per service', 120_000, 250);
    await quiet('a second analysis would open duplicates');
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
    // Each head waiting for approval gets one Slack approval message and one PagerDuty trigger (policy: escalate always).
    await quiet('Slack and PagerDuty notifications');
    for (const s of SERVICES) {
      const { number } = prOf(s);
      expect(slack.approvalMessages(number, headSha(s))).toHaveLength(1);
      expect(slack.approvalMessages(number, headSha(s))[0]!.channel).toBe(SLACK_CHANNEL);
      expect(pd.events.filter((e) => e.event_action === 'trigger' && e.dedup_key === `slo-scout/${OWNER}/${REPO}#${number}@${headSha(s)}`)).toHaveLength(1);
    }
    expect(slack.refused).toEqual([]);
    expect(pd.refused).toEqual([]);
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
    await quiet('other branches would be rewritten');
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

  it('a signed Slack click by a mapped approver turns the search guard green; a forged click is refused and changes nothing', async () => {
    const search = prOf('search');
    const head = headSha('search');
    const message = slack.approvalMessages(search.number, head).at(-1)!;
    expect(message).toBeDefined();
    await quiet('earlier approvals settled');
    const checks = gh.checkRuns.length;
    const slackCalls = slack.calls.length;

    const forged = await slackClick(message, ALICE_SLACK, '1700000001.000001', 'not-the-signing-secret');
    expect(forged.status).toBe(401);
    await quiet('a forged click would have queued an evaluation');
    expect(gh.checkRuns.length).toBe(checks);
    expect(slack.calls.length).toBe(slackCalls);
    expect(guardOn(head)!.conclusion).toBe('action_required');

    const click = await slackClick(message, ALICE_SLACK, '1700000002.000002');
    expect(click.status).toBe(200);
    await waitFor(() => guardOn(head)?.conclusion === 'success', 'search guard green after the Slack click', 60_000, 250);
    const ephemeral = slack.calls.find((c) => c.method === 'chat.postEphemeral' && c.body.user === ALICE_SLACK);
    expect(ephemeral?.body).toMatchObject({ channel: SLACK_CHANNEL });
    expect(String(ephemeral?.body.text)).toContain(`Recorded your approve for ${OWNER}/${REPO}#${search.number}`);
    // The approval message loses its buttons and shows the outcome.
    await waitFor(() => slack.calls.some((c) => c.method === 'chat.update' && c.body.ts === message.ts && String(c.body.text).startsWith('✅')), 'approval message updated with the outcome', 30_000, 250);
    const { rows } = await db.pool.query<{ identity: string; source_id: string }>("SELECT identity, source_id FROM policy_decisions WHERE channel = 'slack'");
    expect(rows).toEqual([{ identity: `slack:${ALICE_SLACK}`, source_id: `${SLACK_CHANNEL}:${message.ts}:1700000002.000002:${ALICE_SLACK}` }]);
    expect(slack.refused).toEqual([]);
  }, 120_000);

  it('a rerun on unchanged data (from an issue) moves no branch and keeps the approvals', async () => {
    const before = branchCommits();
    const prsBefore = gh.pulls.length;
    const runs = apps.analyses;
    await comment(1, '/slo-scout rerun', 'maintainer', false);
    await waitFor(() => topic(1, 'rerun')[0], 'rerun acknowledged in the issue', 60_000, 250);
    await waitFor(() => apps.analyses > runs, 'rerun analysis finished', 120_000, 250);
    await quiet('open-pr jobs of the rerun');
    expectUnmoved(before);
    expect(gh.pulls.length).toBe(prsBefore);
    for (const s of SERVICES) expect(guardOn(headSha(s))!.conclusion).toBe('success');
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
    await quiet('open-pr jobs of the rerun');
    expect(gh.refs.get('slo-scout/checkout')).toBe(before.checkout);
    expect(gh.refs.get('slo-scout/payments')).toBe(before.payments);
    expect(gh.commits.get(gh.refs.get('slo-scout/search')!)!.author).toBe(BOT);
    // The approval on the unchanged payments head still stands.
    expect(guardOn(headSha('payments'))!.conclusion).toBe('success');
    expect(gh.unknown).toEqual([]);
  }, 180_000);

  it("the new search head voids the Slack approval; the on-call's signed PagerDuty acknowledgement approves it", async () => {
    const search = prOf('search');
    const head = headSha('search');
    await webhook('pull_request', { action: 'synchronize', number: search.number, pull_request: gh.pullJson(search) });
    await waitFor(() => guardOn(head), 'guard on the new search head', 60_000, 250);
    expect(guardOn(head)!.conclusion).toBe('action_required');
    const dedupKey = `slo-scout/${OWNER}/${REPO}#${search.number}@${head}`;
    await waitFor(() => pd.events.some((e) => e.event_action === 'trigger' && e.dedup_key === dedupKey), 'PagerDuty trigger for the new head', 30_000, 250);

    expect((await pagerDutyAck('01E2EFORGED', dedupKey, BOB_ON_CALL.id, 'not-the-webhook-secret')).status).toBe(401);
    const ack = await pagerDutyAck('01E2EACK', dedupKey, BOB_ON_CALL.id);
    expect(ack.status).toBe(200);
    expect(await ack.json()).toEqual({ status: 'accepted' });
    // Who is on call was asked of PagerDuty's REST API for the incident's escalation policy.
    expect(pd.onCallLookups).toContainEqual([ESCALATION_POLICY]);
    await waitFor(() => guardOn(head)?.conclusion === 'success', 'search guard green after the PagerDuty acknowledgement', 60_000, 250);
    // PagerDuty retries a delivery it thinks failed: the same event id is not a second approval.
    expect(await (await pagerDutyAck('01E2EACK', dedupKey, BOB_ON_CALL.id)).json()).toEqual({ status: 'duplicate' });
    const { rows } = await db.pool.query<{ identity: string; head_sha: string }>("SELECT identity, head_sha FROM policy_decisions WHERE channel = 'pagerduty'");
    expect(rows).toEqual([{ identity: `pagerduty:${BOB_ON_CALL.email}`, head_sha: head }]);
    expect(pd.refused).toEqual([]);
  }, 120_000);

  it('Prometheus fails during an analysis -> the status comment is edited in place with the cause and what to do', async () => {
    const before = branchCommits();
    const prsBefore = gh.pulls.length;
    const commentsBefore = gh.comments.length;
    await prom.stop(); // the last step: nothing after it needs Prometheus
    await comment(1, '/slo-scout rerun', 'maintainer', false);
    // A dead Prometheus is transient: the job's five attempts (~1 min of backoff) run before the user is told.
    await waitFor(() => topic(1, 'rerun')[0]?.body.includes('could not analyse'), 'status comment says the analysis failed', 150_000, 500);
    const status = topic(1, 'rerun');
    expect(status).toHaveLength(1);
    expect(status[0]!.body).toContain(`could not analyse ${OWNER}/${REPO}`);
    expect(status[0]!.body).toMatch(/Cause: `cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(status[0]!.body).toContain('What to do');
    expect(status[0]!.body).toContain('/slo-scout rerun');
    expect(status[0]!.body).not.toContain('re-analysis queued');
    expect(gh.comments.length).toBe(commentsBefore); // edited in place, not a new comment
    await quiet('a late open-pr job');
    expect(branchCommits()).toEqual(before);
    expect(gh.pulls.length).toBe(prsBefore);
    expect(gh.unknown).toEqual([]);
  }, 200_000);
});
