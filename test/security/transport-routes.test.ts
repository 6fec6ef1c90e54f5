/**
 * Every other route of `slo-scout serve` against hostile bodies (issue 9, findings 3 and 6): each
 * has a size cap answered from Content-Length before the body is read, deep JSON is a 400 (not a
 * stack overflow and a 5xx), and a signed Slack button whose value is not JSON is a 400 (not a 500).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, GITLAB_WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { rawPost } from '../helpers/raw-post.js';
import { signSlackRequest, APPROVE_ACTION } from '../../app/chat/slack.js';
import { signPagerDutyBody } from '../../app/chat/pagerduty.js';

const OTLP_TOKEN = 'otlp-token-0123456789abcdef';
const AM_SECRET = 'am-secret-0123456789abcdef';
const SLACK_SECRET = 'slack-signing-secret';
const PD_SECRET = 'pagerduty-webhook-secret';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    env: {
      OTLP_TOKENS: `acme:${OTLP_TOKEN}`, ALERTMANAGER_SECRETS: `acme:${AM_SECRET}`,
      SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_BOT_TOKEN: 'xoxb-test', PAGERDUTY_WEBHOOK_SECRET: PD_SECRET, PAGERDUTY_API_TOKEN: 'pd-test',
    },
  });
});
afterAll(async () => { await stack?.close(); });

const MB = 1024 * 1024;
const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;

/** Headers that get each route past its authentication for `body`. */
function auth(path: string, body: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  switch (path) {
    case '/api/gitlab/webhooks': return { 'x-gitlab-token': GITLAB_WEBHOOK_SECRET, 'x-gitlab-event': 'Note Hook', 'x-gitlab-event-uuid': 'deep-1' };
    case '/slack/events': return { 'x-slack-request-timestamp': String(now), 'x-slack-signature': signSlackRequest(SLACK_SECRET, now, body) };
    case '/webhooks/pagerduty': return { 'x-pagerduty-signature': signPagerDutyBody(PD_SECRET, body) };
    case '/webhooks/alertmanager': return { authorization: `Bearer ${AM_SECRET}` };
    default: return { authorization: `Bearer ${OTLP_TOKEN}` };
  }
}

const CAPS: [string, number][] = [
  ['/api/gitlab/webhooks', 5 * MB], ['/slack/events', 256 * 1024], ['/webhooks/pagerduty', 512 * 1024],
  ['/webhooks/alertmanager', MB], ['/v1/traces', 4 * MB], ['/v1/logs', 4 * MB], ['/v1/metrics', 4 * MB],
];

describe('size caps on every route', () => {
  it.each(CAPS)('%s answers 413 from a Content-Length over %i bytes without reading the body', async (path, cap) => {
    const res = await rawPost(`${stack.app.url}${path}`, {
      headers: { 'content-type': 'application/json', 'content-length': cap + 1, ...auth(path, '') },
      chunks: [Buffer.from('{')],
    });
    expect(res.status).toBe(413);
  });
});

describe('JSON nested 5000 deep', () => {
  it.each(CAPS.map(([p]) => p))('%s answers 400 with a reason, not a 5xx', async (path) => {
    const res = await fetch(`${stack.app.url}${path}`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json', ...auth(path, deep) } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/nested deeper than \d+ levels/);
  });

  it('a Slack form whose payload field nests 5000 deep is a 400 too', async () => {
    const body = `payload=${encodeURIComponent(deep)}`;
    const res = await fetch(`${stack.app.url}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth('/slack/events', body) } });
    expect(res.status).toBe(400);
  });
});

describe('Slack button values', () => {
  it('a signed block_actions whose button value is not JSON is a 400, not a 500', async () => {
    const payload = {
      type: 'block_actions', user: { id: 'U1' }, channel: { id: 'C1' }, container: { message_ts: '1.2', channel_id: 'C1' },
      actions: [{ action_id: APPROVE_ACTION, value: 'not json {', action_ts: '1.3' }],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const res = await fetch(`${stack.app.url}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth('/slack/events', body) } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/button value/);
  });
});
