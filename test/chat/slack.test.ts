import { describe, it, expect, beforeEach, afterEach, afterAll } from 'vitest';
import nock from 'nock';
import { approvalBlocks, signSlackRequest, slackRoute, SlackClient, verifySlackRequest, APPROVE_ACTION, REJECT_ACTION, type SlackDecision, type SlackRouteDeps } from '../../app/chat/slack.js';
import { fixedClock, systemClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { startServer, type RunningServer } from '../../app/server/server.js';
import type { HttpRequest } from '../../app/server/http.js';

const SECRET = 'slack-signing-secret-for-tests';
const NOW = new Date('2026-03-01T12:00:00Z');
const nowS = NOW.getTime() / 1000;
const sha = 'd'.repeat(40);
const message = { repo: 'acme/slos', pr: 12, sha, url: 'https://github.com/acme/slos/pull/12', title: 'Approval needed', lines: ['max_cost exceeded'] };

function interaction(actionId: string, user = 'U111'): string {
  const [, , , actions] = approvalBlocks(message) as [unknown, unknown, unknown, { elements: { action_id: string; value: string }[] }];
  const button = actions.elements.find((e) => e.action_id === actionId)!;
  // A block_actions payload as documented for interactivity (https://api.slack.com/reference/interaction-payloads/block-actions).
  const payload = {
    type: 'block_actions', user: { id: user, username: 'alice', team_id: 'T1' }, api_app_id: 'A1', token: 'legacy', trigger_id: 't',
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => { nock.disableNetConnect(); nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/); });
afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

describe('/slack/events (Bolt App behind our route)', () => {
  const decisions: SlackDecision[] = [];
  const route = slackRoute({ signingSecret: SECRET, clock: fixedClock(NOW), onDecision: async (d) => { decisions.push(d); } });
  beforeEach(() => { decisions.length = 0; });

  it.each([[APPROVE_ACTION, 'approve'], [REJECT_ACTION, 'reject']])('a correctly signed %s click becomes a %s decision for the PR in the button', async (action, decision) => {
    const res = await route.handle(signed(interaction(action)));
    expect(res.status).toBe(200);
    await route.drain();
    expect(decisions).toEqual([{ slackUserId: 'U111', decision, target: { repo: 'acme/slos', pr: 12, sha }, channel: 'C42', messageTs: '1700000000.000100', actionTs: '1700000001.000200' }]);
  });

  it.each([
    ['a forged signature', (b: string) => request(b, { 'x-slack-request-timestamp': String(nowS), 'x-slack-signature': signSlackRequest('wrong-secret', nowS, b) })],
    ['a body changed after signing', (b: string) => request(`${b}x`, { 'x-slack-request-timestamp': String(nowS), 'x-slack-signature': signSlackRequest(SECRET, nowS, b) })],
    ['a stale request (6 minutes old)', (b: string) => signed(b, nowS - 360)],
    ['a request from the future (6 minutes ahead)', (b: string) => signed(b, nowS + 360)],
    ['missing signature headers', (b: string) => request(b, {})],
    ['a signature of another version', (b: string) => request(b, { 'x-slack-request-timestamp': String(nowS), 'x-slack-signature': signSlackRequest(SECRET, nowS, b).replace(/^v0=/, 'v1=') })],
  ])('%s is refused with 401 and records nothing', async (_name, make) => {
    const res = await route.handle(make(interaction(APPROVE_ACTION)));
    expect(res.status).toBe(401);
    await route.drain();
    expect(decisions).toEqual([]);
  });

  it('answers the Events API url_verification challenge, only when signed', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 't' });
    const req = signed(body);
    req.headers['content-type'] = 'application/json';
    expect(await route.handle(req)).toEqual({ status: 200, body: { challenge: 'abc123' } });
    expect((await route.handle({ ...req, headers: { 'content-type': 'application/json' } })).status).toBe(401);
  });

  it('answers ssl_check with an empty 200 without a signature, and ignores a payload smuggled into it', async () => {
    const check = await route.handle(request('token=legacy&ssl_check=1', {}));
    expect(check).toEqual({ status: 200 });
    const smuggled = await route.handle(request(`ssl_check=1&${interaction(APPROVE_ACTION)}`, {}));
    expect(smuggled).toEqual({ status: 200 });
    await route.drain();
    expect(decisions).toEqual([]);
  });

  it('acknowledges a signed interaction that is not a Policy Guard button with an empty 200 and records nothing', async () => {
    const other = interaction(APPROVE_ACTION).replace(encodeURIComponent(APPROVE_ACTION), 'someone_elses_button');
    expect(await route.handle(signed(other))).toEqual({ status: 200 });
    expect(await route.handle(signed('payload=%7B%7D'))).toEqual({ status: 200 });
    await route.drain();
    expect(decisions).toEqual([]);
  });

  it('answers 404 when SLACK_SIGNING_SECRET is not set', async () => {
    const off = slackRoute({ clock: fixedClock(NOW), onDecision: async () => undefined });
    expect((await off.handle(signed(interaction(APPROVE_ACTION)))).status).toBe(404);
  });

  it('the signature check is Bolt\'s: verifySlackRequest names the rule Bolt reports', () => {
    const body = Buffer.from('payload=%7B%7D');
    expect(verifySlackRequest({ signingSecret: SECRET, timestamp: String(nowS), signature: 'v0=abc', rawBody: body, nowSeconds: nowS })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifySlackRequest({ signingSecret: SECRET, timestamp: String(nowS), signature: signSlackRequest(SECRET, nowS, body), rawBody: body, nowSeconds: nowS })).toEqual({ ok: true });
  });
});

describe('ack first, decision after (Slack\'s 3 s rule)', () => {
  let server: RunningServer | undefined;
  afterAll(async () => { await server?.close(); });

  it('the HTTP answer to a click arrives before a slow decision handler finishes', async () => {
    const order: string[] = [];
    const route = slackRoute({
      signingSecret: SECRET, clock: systemClock, logger: silentLogger,
      onDecision: async () => { order.push('decision-started'); await sleep(1_500); order.push('decision-finished'); },
    });
    server = await startServer({ routes: [route], logger: silentLogger, port: 0, host: '127.0.0.1' });
    const ts = Math.floor(Date.now() / 1000);
    const body = interaction(APPROVE_ACTION);
    const started = performance.now();
    const res = await fetch(`${server.url}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SECRET, ts, body) } });
    const ackMs = performance.now() - started;
    order.push(`answered-${res.status}`);
    expect(order).toEqual(['decision-started', 'answered-200']);
    expect(ackMs).toBeLessThan(1_500);
    await route.drain();
    expect(order).toEqual(['decision-started', 'answered-200', 'decision-finished']);
  });
});

describe('replies through Bolt\'s WebClient (nock on the Slack Web API)', () => {
  const base = (over: Partial<SlackRouteDeps> = {}) => slackRoute({ signingSecret: SECRET, botToken: 'xoxb-test', clock: fixedClock(NOW), onDecision: async () => undefined, ...over });

  it('the ephemeral "decision recorded" reply reaches chat.postEphemeral with the bot token, channel, user and text', async () => {
    // https://api.slack.com/methods/chat.postEphemeral: POST, Authorization: Bearer <bot token>, channel + user + text.
    const scope = nock('https://slack.com', { reqheaders: { authorization: 'Bearer xoxb-test' } })
      .post('/api/chat.postEphemeral', (b: Record<string, string>) => b.channel === 'C42' && b.user === 'U111' && /Recorded your approve for acme\/slos#12/.test(b.text))
      .reply(200, { ok: true, message_ts: '1700000002.000300' });
    const route = base({ onDecision: (d, slack) => slack.postEphemeral(d.channel, d.slackUserId, `Recorded your ${d.decision} for ${d.target.repo}#${d.target.pr}`) });
    expect((await route.handle(signed(interaction(APPROVE_ACTION)))).status).toBe(200);
    await route.drain();
    expect(scope.isDone()).toBe(true);
  });

  it('a payload without a team still replies with the bot token', async () => {
    const scope = nock('https://slack.com', { reqheaders: { authorization: 'Bearer xoxb-test' } }).post('/api/chat.postEphemeral', (b: Record<string, string>) => b.user === 'U111').reply(200, { ok: true });
    const route = base({ onDecision: (d, slack) => slack.postEphemeral(d.channel, d.slackUserId, 'ok') });
    const teamless = new URLSearchParams(interaction(APPROVE_ACTION)).get('payload')!;
    const { team: _team, user, ...rest } = JSON.parse(teamless) as { team: unknown; user: Record<string, unknown> };
    await route.handle(signed(`payload=${encodeURIComponent(JSON.stringify({ ...rest, user: { id: user.id } }))}`));
    await route.drain();
    expect(scope.isDone()).toBe(true);
  });

  it('SLACK_API_URL points the client at a stand-in', async () => {
    const scope = nock('http://slack-stand-in.test:8080').post('/api/chat.postEphemeral', (b: Record<string, string>) => b.user === 'U111').reply(200, { ok: true });
    const route = base({ apiUrl: 'http://slack-stand-in.test:8080/api', onDecision: (d, slack) => slack.postEphemeral(d.channel, d.slackUserId, 'ok') });
    await route.handle(signed(interaction(APPROVE_ACTION)));
    await route.drain();
    expect(scope.isDone()).toBe(true);
  });

  it('a decision that fails after the ack is told to the clicker, who is asked to click again', async () => {
    const scope = nock('https://slack.com').post('/api/chat.postEphemeral', (b: Record<string, string>) => b.user === 'U111' && /could not be processed.*click the button again/.test(b.text)).reply(200, { ok: true });
    const route = base({ onDecision: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); } });
    expect((await route.handle(signed(interaction(REJECT_ACTION)))).status).toBe(200);
    await route.drain();
    expect(scope.isDone()).toBe(true);
  });
});

describe('SlackClient (WebClient; nock, documented request shapes)', () => {
  const fast = { retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 } };

  it('posts the approval message with Approve/Reject buttons and updates it with the outcome', async () => {
    const blocks = approvalBlocks(message);
    type Posted = { channel: string; text: string; ts?: string; blocks: string };
    const buttons = (b: Posted) => (JSON.parse(b.blocks) as { type: string; elements?: { type: string; action_id: string; style: string }[] }[])
      .filter((bl) => bl.type === 'actions').flatMap((bl) => bl.elements ?? []).map((e) => `${e.type}:${e.action_id}:${e.style}`).join();
    // Form-encoded arguments, `blocks` as a JSON string (https://api.slack.com/methods/chat.postMessage).
    const scope = nock('https://slack.com', { reqheaders: { authorization: 'Bearer xoxb-test' } })
      .post('/api/chat.postMessage', (b: Posted) => b.channel === 'C42' && b.text.length > 0 && buttons(b) === `button:${APPROVE_ACTION}:primary,button:${REJECT_ACTION}:danger`)
      .reply(200, { ok: true, channel: 'C42', ts: '1700000000.000100', message: {} })
      .post('/api/chat.update', (b: Posted) => b.channel === 'C42' && b.ts === '1700000000.000100' && buttons(b) === '')
      .reply(200, { ok: true, channel: 'C42', ts: '1700000000.000100', text: 'x' });
    const client = new SlackClient({ token: 'xoxb-test' });
    const posted = await client.postMessage('C42', 'Approval needed', blocks);
    expect(posted).toEqual({ channel: 'C42', ts: '1700000000.000100' });
    await client.update('C42', posted.ts, 'Approved', [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved by @alice' } }]);
    expect(scope.isDone()).toBe(true);
  });

  it('turns ok:false into an error naming the Slack error code and the fix', async () => {
    const scope = nock('https://slack.com').post('/api/chat.postMessage').reply(200, { ok: false, error: 'channel_not_found' });
    await expect(new SlackClient({ token: 'xoxb-test', ...fast }).postMessage('C0', 't', [])).rejects.toThrow(/channel_not_found.*bot is in the channel/);
    expect(scope.isDone()).toBe(true);
  });

  it('a 429 with Retry-After is waited out and retried once, then succeeds', async () => {
    // https://api.slack.com/apis/rate-limits: HTTP 429 with a Retry-After header in seconds.
    const scope = nock('https://slack.com')
      .post('/api/chat.postEphemeral').reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' })
      .post('/api/chat.postEphemeral').reply(200, { ok: true });
    const started = performance.now();
    await new SlackClient({ token: 'xoxb-test', ...fast }).postEphemeral('C42', 'U111', 'Recorded');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(scope.isDone()).toBe(true);
  });

  it('retries are bounded: a Slack that keeps failing gives up after the configured tries with the HTTP status', async () => {
    const scope = nock('https://slack.com').post('/api/chat.update').times(3).reply(503, 'upstream down');
    await expect(new SlackClient({ token: 'xoxb-test', ...fast }).update('C42', '1.2', 't', [])).rejects.toThrow(/chat\.update: HTTP 503/);
    expect(scope.isDone()).toBe(true);
  });

  it('a long Retry-After cannot hang a job: the call fails at its deadline with how to proceed', async () => {
    nock('https://slack.com').post('/api/chat.postMessage').reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '3' });
    const started = performance.now();
    await expect(new SlackClient({ token: 'xoxb-test', ...fast, callDeadlineMs: 300 }).postMessage('C42', 't', [])).rejects.toThrow(/no answer within 300 ms.*retry later/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
