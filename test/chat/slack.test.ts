import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import nock from 'nock';
import { approvalBlocks, signSlackRequest, slackRoute, SlackClient, APPROVE_ACTION, REJECT_ACTION, type SlackDecision } from '../../app/chat/slack.js';
import { fixedClock } from '../../app/deps.js';
import type { HttpRequest } from '../../app/server/http.js';

const SECRET = 'slack-signing-secret-for-tests';
const NOW = new Date('2026-03-01T12:00:00Z');
const nowS = NOW.getTime() / 1000;
const sha = 'd'.repeat(40);
const message = { repo: 'acme/slos', pr: 12, sha, url: 'https://github.com/acme/slos/pull/12', title: 'Approval needed', lines: ['max_cost exceeded'] };

function interaction(actionId: string, user = 'U111'): string {
  const [, , , actions] = approvalBlocks(message) as [unknown, unknown, unknown, { elements: { action_id: string; value: string }[] }];
  const button = actions.elements.find((e) => e.action_id === actionId)!;
  const payload = {
    type: 'block_actions', user: { id: user, username: 'alice' }, api_app_id: 'A1', token: 'legacy', trigger_id: 't',
    team: { id: 'T1', domain: 'acme' }, channel: { id: 'C42', name: 'slo-approvals' },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C42', is_ephemeral: false },
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: button.value, action_ts: '1700000001.000200', text: { type: 'plain_text', text: 'x' } }],
    response_url: 'https://hooks.slack.com/actions/T1/1/abc',
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function request(body: string, headers: Record<string, string | undefined>): HttpRequest {
  return { method: 'POST', path: '/slack/events', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, query: new URLSearchParams(), rawBody: Buffer.from(body) };
}

function signed(body: string, ts = nowS): HttpRequest {
  return request(body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SECRET, ts, body) });
}

describe('/slack/events', () => {
  const decisions: SlackDecision[] = [];
  const route = slackRoute({ signingSecret: SECRET, clock: fixedClock(NOW), onDecision: async (d) => { decisions.push(d); } });
  beforeEach(() => { decisions.length = 0; });

  it.each([[APPROVE_ACTION, 'approve'], [REJECT_ACTION, 'reject']])('a correctly signed %s click becomes a %s decision for the PR in the button', async (action, decision) => {
    const res = await route.handle(signed(interaction(action)));
    expect(res.status).toBe(200);
    expect(decisions).toEqual([{ slackUserId: 'U111', decision, target: { repo: 'acme/slos', pr: 12, sha }, channel: 'C42', messageTs: '1700000000.000100', actionTs: '1700000001.000200' }]);
  });

  it.each([
    ['a forged signature', (b: string) => request(b, { 'x-slack-request-timestamp': String(nowS), 'x-slack-signature': signSlackRequest('wrong-secret', nowS, b) })],
    ['a body changed after signing', (b: string) => request(`${b}x`, { 'x-slack-request-timestamp': String(nowS), 'x-slack-signature': signSlackRequest(SECRET, nowS, b) })],
    ['a stale request (6 minutes old)', (b: string) => signed(b, nowS - 360)],
    ['a request from the future (6 minutes ahead)', (b: string) => signed(b, nowS + 360)],
    ['missing signature headers', (b: string) => request(b, {})],
  ])('%s is refused with 401 and records nothing', async (_name, make) => {
    const res = await route.handle(make(interaction(APPROVE_ACTION)));
    expect(res.status).toBe(401);
    expect(decisions).toEqual([]);
  });

  it('answers the Events API url_verification challenge', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 't' });
    const req = signed(body);
    req.headers['content-type'] = 'application/json';
    expect(await route.handle(req)).toEqual({ status: 200, body: { challenge: 'abc123' } });
  });

  it('answers 404 when SLACK_SIGNING_SECRET is not set', async () => {
    const off = slackRoute({ clock: fixedClock(NOW), onDecision: async () => undefined });
    expect((await off.handle(signed(interaction(APPROVE_ACTION)))).status).toBe(404);
  });
});

describe('SlackClient (nock, documented request shapes)', () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it('posts the approval message with Approve/Reject buttons and updates it with the outcome', async () => {
    const blocks = approvalBlocks(message);
    const scope = nock('https://slack.com', { reqheaders: { authorization: 'Bearer xoxb-test' } })
      .post('/api/chat.postMessage', (b: { channel: string; text: string; blocks: { type: string; elements?: { type: string; action_id: string; style: string }[] }[] }) =>
        b.channel === 'C42' && b.text.length > 0 && b.blocks.some((bl) => bl.type === 'actions' && bl.elements?.map((e) => `${e.type}:${e.action_id}:${e.style}`).join() === `button:${APPROVE_ACTION}:primary,button:${REJECT_ACTION}:danger`))
      .reply(200, { ok: true, channel: 'C42', ts: '1700000000.000100', message: {} })
      .post('/api/chat.update', (b: { channel: string; ts: string; blocks: { type: string }[] }) => b.channel === 'C42' && b.ts === '1700000000.000100' && !b.blocks.some((x) => x.type === 'actions'))
      .reply(200, { ok: true, channel: 'C42', ts: '1700000000.000100', text: 'x' });
    const client = new SlackClient({ token: 'xoxb-test' });
    const posted = await client.postMessage('C42', 'Approval needed', blocks);
    expect(posted).toEqual({ channel: 'C42', ts: '1700000000.000100' });
    await client.update('C42', posted.ts, 'Approved', [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved by @alice' } }]);
    expect(scope.isDone()).toBe(true);
  });

  it('turns ok:false into an error naming the Slack error code and the fix', async () => {
    const scope = nock('https://slack.com').post('/api/chat.postMessage').reply(200, { ok: false, error: 'channel_not_found' });
    await expect(new SlackClient({ token: 'xoxb-test' }).postMessage('C0', 't', [])).rejects.toThrow(/channel_not_found.*bot is in the channel/);
    expect(scope.isDone()).toBe(true);
  });
});
