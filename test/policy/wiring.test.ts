import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { policyRoutes, policyCommandHandlers } from '../../app/policy/wiring.js';
import { createLogger } from '../../app/logger.js';
import { fixedClock } from '../../app/deps.js';
import nock from 'nock';
import { APPROVE_ACTION, signSlackRequest } from '../../app/chat/slack.js';
import { DecisionStore } from '../../app/store/approvals.js';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db?.drop(); });

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}
const queues = { get: () => ({ add: async () => undefined }) };
const req = (path: string, headers: Record<string, string> = {}) => ({ method: 'POST', path, headers, query: new URLSearchParams(), rawBody: Buffer.from('payload=%7B%7D') });

describe('Policy Guard wiring', () => {
  it('without secrets both channels are disabled with a clear startup line and their routes answer 404', async () => {
    const { lines, logger } = capture();
    const routes = policyRoutes({ env: {}, pool: db.pool, queues, logger, clock: fixedClock('2026-03-01T00:00:00Z') });
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /slack/events', 'POST /webhooks/pagerduty']);
    for (const r of routes) expect((await r.handle(req(r.path))).status).toBe(404);
    await new Promise((r) => setImmediate(r));
    const text = lines.join('');
    expect(text).toContain('Slack approvals disabled: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN');
    expect(text).toContain('PagerDuty approvals disabled: set PAGERDUTY_WEBHOOK_SECRET and PAGERDUTY_API_TOKEN');
  });

  it('with the Slack secrets the route verifies signatures (and never logs the secret)', async () => {
    const { lines, logger } = capture();
    const now = new Date('2026-03-01T00:00:00Z');
    const [slack] = policyRoutes({ env: { SLACK_SIGNING_SECRET: 'sekrit-value', SLACK_BOT_TOKEN: 'xoxb-1' }, pool: db.pool, queues, logger, clock: fixedClock(now) });
    const ts = now.getTime() / 1000;
    const ok = await slack!.handle(req('/slack/events', { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest('sekrit-value', ts, 'payload=%7B%7D'), 'content-type': 'application/x-www-form-urlencoded' }));
    expect(ok.status).toBe(200);
    const bad = await slack!.handle(req('/slack/events', { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': 'v0=00' }));
    expect(bad.status).toBe(401);
    await new Promise((r) => setImmediate(r));
    expect(lines.join('')).not.toContain('sekrit-value');
  });

  it('a signed click is acked, then recorded, queued for evaluation and confirmed to the clicker through Bolt\'s client', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    try {
      const added: unknown[] = [];
      const now = new Date('2026-03-01T00:00:00Z');
      const repo = `acme/w${Math.random().toString(36).slice(2, 8)}`;
      const sha = 'e'.repeat(40);
      // chat.postEphemeral (https://api.slack.com/methods/chat.postEphemeral) at SLACK_API_URL with the bot token.
      const scope = nock('http://slack.local', { reqheaders: { authorization: 'Bearer xoxb-1' } })
        .post('/api/chat.postEphemeral', (b: Record<string, string>) => b.channel === 'C9' && b.user === 'U7' && b.text.includes(`Recorded your approve for ${repo}#3`))
        .reply(200, { ok: true, message_ts: '2.1' });
      const [slack] = policyRoutes({
        env: { SLACK_SIGNING_SECRET: 'sekrit-value', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://slack.local/api/' }, pool: db.pool,
        queues: { get: () => ({ add: async (_n: string, d: unknown) => { added.push(d); } }) }, logger: createLogger({ level: 'silent' }), clock: fixedClock(now),
      });
      const payload = { type: 'block_actions', user: { id: 'U7' }, team: { id: 'T1' }, channel: { id: 'C9' }, container: { message_ts: '1.1', channel_id: 'C9' }, actions: [{ action_id: APPROVE_ACTION, value: JSON.stringify({ repo, pr: 3, sha }), action_ts: '1.2' }] };
      const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
      const ts = now.getTime() / 1000;
      const res = await slack!.handle({ ...req('/slack/events', { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest('sekrit-value', ts, body) }), rawBody: Buffer.from(body) });
      expect(res).toEqual({ status: 200 });
      await slack!.drain?.();
      expect((await new DecisionStore(db.pool).forPullRequest(repo, 3)).map((d) => [d.identity, d.decision, d.channel])).toEqual([['slack:U7', 'approve', 'slack']]);
      expect(added).toEqual([expect.objectContaining({ owner: 'acme', prNumber: 3, trigger: 'slack' })]);
      expect(scope.isDone()).toBe(true);
    } finally {
      nock.cleanAll();
      nock.enableNetConnect();
    }
  });

  it('provides the approve and reject commands reserved in the registry', () => {
    expect(policyCommandHandlers({ pool: db.pool, queues, logger: createLogger({ level: 'silent' }), clock: fixedClock('2026-03-01T00:00:00Z') }).map((h) => h.name)).toEqual(['approve', 'reject']);
  });
});
