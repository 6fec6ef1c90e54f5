/**
 * Issue 10 item 8 / issue 13 item 4: the merge-request story on GitLab, end to end, with the real
 * processes. `slo-scout serve` and `slo-scout worker` run as child processes with ONLY the GitLab
 * variables (no GitHub App), GITLAB_URL pointing at a GitLab stand-in (./gitlab-stand-in.ts), a
 * real Prometheus with backfilled history, and the shared PostgreSQL and Redis. Webhooks carry
 * the X-Gitlab-Token secret; every step asserts on the stand-in's state. A Slack stand-in
 * (./chat-stand-ins.ts, SLACK_API_URL) takes the guard's approval message; a signed click approves.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { buildBlocks, freePort, OTEL_NAMING, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { GitLabStandIn, GL_BOT, type MergeRequest } from './gitlab-stand-in.js';
import { AppProcesses } from './processes.js';
import { signedSlackClick, SlackStandIn } from './chat-stand-ins.js';

const PROJECT = 'acme/platform/fleet';
const TOKEN = 'glpat-e2e-token';
const SECRET = 'e2e-gitlab-secret';
const DAY = 86_400;
const SLACK_SECRET = 'e2e-gitlab-slack-signing-secret';
const SLACK_CHANNEL = 'C0GLGUARD';
const ALICE_SLACK = 'U0ALICE';

let prom: RunningPrometheus;
let gl: GitLabStandIn;
let slack: SlackStandIn;
let db: TestDatabase;
let port: number;
const apps = new AppProcesses();

const CONFIG = (promUrl: string) => `version: 1
datasources:
  prometheus: { url: ${promUrl} }
metrics: { versionLabel: service_version }
services: { include: [checkout] }
routes: { exclude: ["**/healthz", "**/livez", "**/readyz", "**/metrics", "**/ping"] }
analysis: { window: 28d, breachWindow: 1d }
policies:
  - policy_id: reviewed
    approval_required: true
    approvers: { users: [alice] }
policy_guard:
  slack: { channel: ${SLACK_CHANNEL}, users: { ${ALICE_SLACK}: alice } }
`;

const projectJson = () => ({ id: 1, name: 'fleet', path_with_namespace: PROJECT, default_branch: 'main', web_url: `${gl.url}/${PROJECT}` });

/** A GitLab webhook delivery (docs.gitlab.com "Webhook events"), with the secret token. */
async function webhook(event: string, payload: Record<string, unknown>, token = SECRET): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/gitlab/webhooks`, {
    method: 'POST', body: JSON.stringify({ ...payload, project: projectJson() }),
    headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-event-uuid': randomUUID(), 'x-gitlab-token': token },
  });
  return res.status;
}

function mrHook(mr: MergeRequest, action: string, user = 'alice') {
  return webhook('Merge Request Hook', {
    object_kind: 'merge_request', event_type: 'merge_request', user: { id: gl.userId(user), username: user, name: user },
    object_attributes: { iid: mr.iid, action, state: mr.state, source_branch: mr.source, target_branch: mr.target, source_project_id: 1, target_project_id: 1, last_commit: { id: gl.headOf(mr) } },
  });
}

function noteHook(mr: MergeRequest, text: string, author: string) {
  const n = gl.addNote(mr.iid, text, author);
  return webhook('Note Hook', {
    object_kind: 'note', event_type: 'note', user: { id: gl.userId(author), username: author, name: author },
    object_attributes: { id: n.id, note: text, noteable_type: 'MergeRequest', author_id: gl.userId(author), system: false, action: 'create' },
    merge_request: { id: 5000 + mr.iid, iid: mr.iid, source_branch: mr.source, target_branch: mr.target, source_project_id: 1, target_project_id: 1, state: mr.state },
  });
}

const failWithLogs = (err: unknown) => { throw new Error(`${(err as Error).message}\nstand-in unknown routes: ${gl.unknown.join(', ') || 'none'}\n${slack?.summary() ?? ''}\n${apps.tail(40)}`); };
/** The guard's summary notes on the MR (app/policy/gitlab.ts): there must only ever be one. */
const summaryNotes = (mr: MergeRequest) => gl.notes.filter((n) => n.iid === mr.iid && n.author === GL_BOT.username && n.body.includes('<!-- slo-scout:topic=policy-guard-summary -->'));
const mrOf = (service: string) => gl.mergeRequests.find((m) => m.source === `slo-scout/${service}`);

beforeAll(async () => {
  const end = Math.floor(Date.now() / 1000 / DAY) * DAY; // the worker analyses as of today's day boundary
  // Same history (and cache entry) as the GitHub story's first block.
  const blocks = await buildBlocks({ fleet: { seed: 7, end, days: 29, scenario: 'demo' }, naming: OTEL_NAMING, filter: (e) => ['checkout', 'payments'].includes(e.service) }, 'e2e-checkout,payments');
  [prom, db] = await Promise.all([startPrometheus(blocks), createTestDatabase()]);
  gl = new GitLabStandIn(PROJECT, TOKEN);
  Object.assign(gl.members, { alice: 30, maintainer: 40 });
  slack = new SlackStandIn('xoxb-e2e-gitlab-bot');
  await Promise.all([gl.start(), slack.start()]);
  port = await freePort();
  const env = {
    GITLAB_URL: gl.url, GITLAB_TOKEN: TOKEN, GITLAB_WEBHOOK_SECRET: SECRET,
    DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: uniquePrefix('e2e-gl'), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKER_CONCURRENCY: '4',
    SLO_SCOUT_ALLOWED_HOSTS: '127.0.0.1',
    SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl,
  };
  // A GitLab-only install: none of the GitHub App's variables, even if the test's shell has them.
  const github = ['APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET', 'GHE_HOST'];
  apps.start('serve', env, github);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 'serve /healthz', 90_000, 250).catch(failWithLogs);
  apps.start('worker', env, github);
  await waitFor(() => apps.logs.some((l) => l.includes('workers started')), 'worker started', 90_000, 250).catch(failWithLogs);
}, 240_000);

afterAll(async () => {
  await apps.stopAll();
  await Promise.all([prom?.stop(), gl?.stop(), slack?.stop(), db?.drop()]);
});

describe('the merge-request story on GitLab with the real serve and worker processes', () => {
  it('a webhook without the right X-Gitlab-Token is refused', async () => {
    expect(await webhook('Push Hook', { object_kind: 'push', ref: 'refs/heads/main', commits: [] }, 'wrong')).toBe(401);
  });

  it('config push -> one analysis -> one MR for the service, one commit by the bot', async () => {
    gl.push('main', { '.slo-scout.yml': CONFIG(prom.url) });
    expect(await webhook('Push Hook', {
      object_kind: 'push', event_name: 'push', ref: 'refs/heads/main', before: '0'.repeat(40), after: gl.refs.get('main'), total_commits_count: 1,
      commits: [{ id: gl.refs.get('main'), message: 'config', added: ['.slo-scout.yml'], modified: [], removed: [] }],
    })).toBe(200);
    await waitFor(() => mrOf('checkout'), 'the checkout MR', 150_000, 250).catch(failWithLogs);
    await new Promise((r) => setTimeout(r, 2_000)); // a second analysis would open a duplicate now
    expect(gl.mergeRequests.map((m) => m.source)).toEqual(['slo-scout/checkout']);
    const mr = mrOf('checkout')!;
    expect(mr.description).toContain('<!-- slo-scout:service=checkout -->');
    const head = gl.headOf(mr);
    expect(gl.commits.get(head)!.parents).toEqual([gl.refs.get('main')]);
    expect(gl.emails.get(head)).toBe(GL_BOT.email);
    const files = Object.keys(gl.filesAt(head)).filter((f) => f.startsWith('slo-proposals/'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.startsWith('slo-proposals/slos/checkout/'))).toBe(true);
    expect(gl.unknown).toEqual([]);
  }, 200_000);

  it('MR opened -> the config check and the guard as commit statuses on the head; the guard waits for approval', async () => {
    const mr = mrOf('checkout')!;
    const head = gl.headOf(mr);
    expect(await mrHook(mr, 'open', GL_BOT.username)).toBe(200);
    await waitFor(() => gl.guardOn(head) && gl.statuses.some((s) => s.name === 'SLO-Scout config' && s.sha === head), 'both statuses on the head', 60_000, 250).catch(failWithLogs);
    expect(gl.statuses.find((s) => s.name === 'SLO-Scout config' && s.sha === head)!.state).toBe('success');
    const guard = gl.guardOn(head)!;
    expect(guard.state).toBe('failed');
    expect(guard.description).toBe('Approval needed (reviewed)');
    expect(guard.description!.length).toBeLessThanOrEqual(255);
    // What the 255-character description cannot hold is in the guard's one summary note.
    await waitFor(() => summaryNotes(mr).length === 1, 'the guard\'s summary note', 30_000, 250).catch(failWithLogs);
    expect(summaryNotes(mr)[0]!.body).toMatch(/\| `reviewed` \| ⏳ waiting for approval \| 0\/1 \| @\u200Dalice \|/);
    expect(summaryNotes(mr)[0]!.body).toContain(`press Approve or Reject on the message in Slack channel ${SLACK_CHANNEL}`);
  }, 90_000);

  it('`/slo-scout approve` by someone who is not an approver does not turn it green', async () => {
    const mr = mrOf('checkout')!;
    const head = gl.headOf(mr);
    const before = gl.statuses.length;
    expect(await noteHook(mr, '/slo-scout approve', 'maintainer')).toBe(200);
    await waitFor(() => gl.statuses.length > before && gl.guardOn(head), 're-evaluated after the note', 60_000, 250).catch(failWithLogs);
    expect(gl.guardOn(head)).toMatchObject({ state: 'failed', description: 'Approval needed (reviewed)' });
    // Recorded and answered in the policy topic note (the dispatcher's reply).
    await waitFor(() => gl.notes.some((n) => n.author === GL_BOT.username && n.body.includes('Recorded `approve` by @maintainer')), 'answer note', 30_000, 250).catch(failWithLogs);
  }, 90_000);

  it('`/slo-scout approve` in an MR note by the approver turns the guard success on the same head', async () => {
    const mr = mrOf('checkout')!;
    const head = gl.headOf(mr);
    expect(await noteHook(mr, '/slo-scout approve looks right', 'alice')).toBe(200);
    await waitFor(() => gl.guardOn(head)?.state === 'success', 'guard success after the approval', 60_000, 250).catch(failWithLogs);
    expect(gl.headOf(mr)).toBe(head); // no new commit
    expect(gl.awards.some((a) => a.name === 'eyes')).toBe(true);
    expect(gl.unknown).toEqual([]);
  }, 90_000);

  it('a push to the MR voids the note approval; a native GitLab approval of the new head turns it green again', async () => {
    const mr = mrOf('checkout')!;
    const file = Object.keys(gl.filesAt(gl.headOf(mr))).find((f) => f.startsWith('slo-proposals/slos/checkout/') && f.endsWith('.yaml'))!;
    const pushed = gl.push(mr.source, { [file]: `${gl.filesAt(gl.headOf(mr))[file]}# tweak\n` }, 'alice');
    // GitLab sends `oldrev` on an update that added commits.
    expect(await webhook('Merge Request Hook', {
      object_kind: 'merge_request', event_type: 'merge_request', user: { id: gl.userId('alice'), username: 'alice', name: 'alice' },
      object_attributes: { iid: mr.iid, action: 'update', oldrev: gl.commits.get(pushed)!.parents[0], state: mr.state, source_project_id: 1, target_project_id: 1, last_commit: { id: pushed } },
    })).toBe(200);
    await waitFor(() => gl.guardOn(pushed), 'guard on the pushed head', 60_000, 250).catch(failWithLogs);
    expect(gl.guardOn(pushed)).toMatchObject({ state: 'failed', description: 'Approval needed (reviewed)' });
    gl.approvals.set(mr.iid, ['alice']);
    expect(await mrHook(mr, 'approved', 'alice')).toBe(200);
    await waitFor(() => gl.guardOn(pushed)?.state === 'success', 'guard success after the GitLab approval', 60_000, 250).catch(failWithLogs);
    expect(gl.unknown).toEqual([]);
  }, 120_000);

  it('a push with approvals reset -> the Slack approval message for the new head; a signed click by the mapped approver turns it success and the summary note says who approved', async () => {
    const mr = mrOf('checkout')!;
    const noteId = summaryNotes(mr)[0]!.id;
    const file = Object.keys(gl.filesAt(gl.headOf(mr))).find((f) => f.startsWith('slo-proposals/slos/checkout/') && f.endsWith('.yaml'))!;
    const pushed = gl.push(mr.source, { [file]: `${gl.filesAt(gl.headOf(mr))[file]}# second tweak\n` }, 'alice');
    gl.approvals.set(mr.iid, []); // the project resets approvals on push (GitLab's own setting)
    expect(await webhook('Merge Request Hook', {
      object_kind: 'merge_request', event_type: 'merge_request', user: { id: gl.userId('alice'), username: 'alice', name: 'alice' },
      object_attributes: { iid: mr.iid, action: 'update', oldrev: gl.commits.get(pushed)!.parents[0], state: mr.state, source_project_id: 1, target_project_id: 1, last_commit: { id: pushed } },
    })).toBe(200);
    await waitFor(() => slack.approvalMessages(mr.iid, pushed).length > 0, 'the Slack approval message for the pushed head', 60_000, 250).catch(failWithLogs);
    expect(gl.guardOn(pushed)).toMatchObject({ state: 'failed', description: 'Approval needed (reviewed)' });
    const message = slack.approvalMessages(mr.iid, pushed)[0]!;
    expect(message.channel).toBe(SLACK_CHANNEL);
    expect(JSON.parse(message.value)).toMatchObject({ repo: PROJECT, pr: mr.iid, sha: pushed });

    const click = await signedSlackClick(`http://127.0.0.1:${port}/slack/events`, message, ALICE_SLACK, '1700000003.000003', SLACK_SECRET);
    expect(click.status).toBe(200);
    await waitFor(() => gl.guardOn(pushed)?.state === 'success', 'guard success after the Slack click', 60_000, 250).catch(failWithLogs);
    await waitFor(() => summaryNotes(mr)[0]?.body.includes('✅ approved'), 'the summary note updated', 30_000, 250).catch(failWithLogs);
    // Still the one note, edited in place, naming the approver and the head it approved.
    expect(summaryNotes(mr).map((n) => n.id)).toEqual([noteId]);
    expect(summaryNotes(mr)[0]!.body).toMatch(/\| `reviewed` \| ✅ approved \| 1\/1 \(@\u200Dalice\) \|/);
    expect(summaryNotes(mr)[0]!.body).toContain(`Head \`${pushed.slice(0, 7)}\``);
    expect(slack.calls.some((c) => c.method === 'chat.postEphemeral' && c.body.user === ALICE_SLACK)).toBe(true);
    expect(slack.refused).toEqual([]);
    expect(gl.unknown).toEqual([]);
  }, 120_000);
});
