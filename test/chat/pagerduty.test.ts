import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import nock from 'nock';
import { dedupKey, PagerDutyClient, type EnqueueEvent, pagerDutyRoute, parseDedupKey, signPagerDutyBody, type PagerDutyAck } from '../../app/chat/pagerduty.js';
import type { HttpRequest } from '../../app/server/http.js';

const SECRET = 'pd-webhook-secret';
const sha = 'e'.repeat(40);

function webhook(id: string, type = 'incident.acknowledged', key = dedupKey('acme/slos', 12, sha)): string {
  return JSON.stringify({
    event: {
      id, event_type: type, resource_type: 'incident', occurred_at: '2026-03-01T12:00:00.000Z',
      agent: { html_url: 'https://acme.pagerduty.com/users/PUSER1', id: 'PUSER1', self: 'https://api.pagerduty.com/users/PUSER1', summary: 'Bob', type: 'user_reference' },
      client: null,
      data: {
        id: 'Q1INC', type: 'incident', self: 'https://api.pagerduty.com/incidents/Q1INC', html_url: 'https://acme.pagerduty.com/incidents/Q1INC', number: 7,
        status: 'acknowledged', incident_key: key, created_at: '2026-03-01T11:58:00Z', title: 'SLO change needs approval',
        service: { id: 'PSVC', type: 'service_reference' }, assignees: [], escalation_policy: { id: 'PESC1', type: 'escalation_policy_reference' },
        teams: [], priority: null, urgency: 'high', conference_bridge: null, resolve_reason: null,
      },
    },
  });
}
const req = (body: string, signature?: string): HttpRequest => ({ method: 'POST', path: '/webhooks/pagerduty', headers: { 'content-type': 'application/json', 'x-pagerduty-signature': signature }, query: new URLSearchParams(), rawBody: Buffer.from(body) });

describe('/webhooks/pagerduty', () => {
  const acks: PagerDutyAck[] = [];
  const seen = new Set<string>();
  const route = pagerDutyRoute({ webhookSecret: SECRET, seen: async (id) => seen.has(id), markSeen: async (id) => { seen.add(id); }, onAcknowledged: async (a) => { acks.push(a); } });
  beforeEach(() => { acks.length = 0; seen.clear(); });

  it('an acknowledged incident with a correct signature becomes an acknowledgement for the PR in its dedup key', async () => {
    const body = webhook('evt-1');
    const res = await route.handle(req(body, signPagerDutyBody(SECRET, body)));
    expect(res.status).toBe(200);
    expect(acks).toEqual([{ eventId: 'evt-1', agentId: 'PUSER1', incidentId: 'Q1INC', escalationPolicyId: 'PESC1', target: { repo: 'acme/slos', pr: 12, sha } }]);
  });

  it('accepts a rotated secret: one of several v1 signatures matching is enough', async () => {
    const body = webhook('evt-2');
    const res = await route.handle(req(body, `${signPagerDutyBody('old-secret', body)},${signPagerDutyBody(SECRET, body)}`));
    expect(res.status).toBe(200);
    expect(acks).toHaveLength(1);
  });

  it('a replayed event (same event id) is dropped', async () => {
    const body = webhook('evt-3');
    await route.handle(req(body, signPagerDutyBody(SECRET, body)));
    const again = await route.handle(req(body, signPagerDutyBody(SECRET, body)));
    expect(again.body).toEqual({ status: 'duplicate' });
    expect(acks).toHaveLength(1);
  });

  it.each([
    ['a wrong secret', (b: string) => signPagerDutyBody('nope', b)],
    ['no signature', () => undefined],
    ['a signature of another body', () => signPagerDutyBody(SECRET, '{}')],
  ])('%s is refused with 401', async (_n, sign) => {
    const body = webhook('evt-4');
    expect((await route.handle(req(body, sign(body)))).status).toBe(401);
    expect(acks).toEqual([]);
  });

  it.each([
    ['another event type', webhook('evt-5', 'incident.triggered')],
    ['an incident not opened by SLO-Scout', webhook('evt-6', 'incident.acknowledged', 'some-other-key')],
  ])('%s is ignored', async (_n, body) => {
    const res = await route.handle(req(body, signPagerDutyBody(SECRET, body)));
    expect(res.body).toEqual({ status: 'ignored' });
    expect(acks).toEqual([]);
  });

  it('answers 404 when PAGERDUTY_WEBHOOK_SECRET is not set', async () => {
    const off = pagerDutyRoute({ seen: async () => false, markSeen: async () => undefined, onAcknowledged: async () => undefined });
    expect((await off.handle(req('{}'))).status).toBe(404);
  });
});

describe('dedup keys', () => {
  it('round-trip repo, PR and SHA', () => {
    expect(parseDedupKey(dedupKey('acme/slos', 5, sha))).toEqual({ repo: 'acme/slos', pr: 5, sha });
    expect(parseDedupKey('garbage')).toBeNull();
  });
});

describe('PagerDutyClient (nock, documented request shapes)', () => {
  beforeEach(() => { nock.disableNetConnect(); });
  afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

  it('triggers and resolves an Events API v2 event with the same dedup key', async () => {
    const key = dedupKey('acme/slos', 12, sha);
    const scope = nock('https://events.pagerduty.com')
      .post('/v2/enqueue', (b: EnqueueEvent) => b.routing_key === 'R0UTING' && b.event_action === 'trigger' && b.dedup_key === key && b.payload?.severity === 'warning' && typeof b.payload.summary === 'string' && typeof b.payload.source === 'string')
      .reply(202, { status: 'success', message: 'Event processed', dedup_key: key })
      .post('/v2/enqueue', (b: EnqueueEvent) => b.event_action === 'resolve' && b.dedup_key === key && b.payload === undefined)
      .reply(202, { status: 'success', message: 'Event processed', dedup_key: key });
    const pd = new PagerDutyClient({});
    await pd.sendEvent({ routing_key: 'R0UTING', event_action: 'trigger', dedup_key: key, payload: { summary: 'SLO change needs approval', source: 'slo-scout', severity: 'warning' } });
    await pd.sendEvent({ routing_key: 'R0UTING', event_action: 'resolve', dedup_key: key });
    expect(scope.isDone()).toBe(true);
  });

  it('a 400 from the Events API says to check the routing key', async () => {
    nock('https://events.pagerduty.com').post('/v2/enqueue').reply(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Length of routing_key is incorrect'] });
    await expect(new PagerDutyClient({}).sendEvent({ routing_key: 'x', event_action: 'resolve', dedup_key: 'k' })).rejects.toThrow(/routing key/);
  });

  it('looks up on-call users of an escalation policy with their emails', async () => {
    const scope = nock('https://api.pagerduty.com', { reqheaders: { authorization: 'Token token=pd-token', accept: 'application/vnd.pagerduty+json;version=2' } })
      .get('/oncalls')
      .query({ 'escalation_policy_ids[]': 'PESC1', 'include[]': 'users' })
      .reply(200, {
        oncalls: [
          { escalation_policy: { id: 'PESC1', type: 'escalation_policy_reference' }, escalation_level: 1, schedule: null, start: null, end: null, user: { id: 'PUSER1', type: 'user', name: 'Bob', email: 'bob@acme.test', summary: 'Bob' } },
          { escalation_policy: { id: 'PESC1', type: 'escalation_policy_reference' }, escalation_level: 2, schedule: null, start: null, end: null, user: { id: 'PUSER2', type: 'user', name: 'Cy', email: 'cy@acme.test', summary: 'Cy' } },
        ],
        limit: 25, offset: 0, more: false, total: null,
      });
    const users = await new PagerDutyClient({ apiToken: 'pd-token' }).onCall(['PESC1']);
    expect(users.map((u) => u.email)).toEqual(['bob@acme.test', 'cy@acme.test']);
    expect(scope.isDone()).toBe(true);
  });
});
