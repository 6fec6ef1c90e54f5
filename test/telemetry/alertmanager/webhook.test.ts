import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { alertmanagerRoute } from '../../../app/telemetry/alertmanager/webhook.js';
import { PgAlertEventStore } from '../../../app/store/telemetry-alerts.js';
import { silentLogger } from '../../../app/logger.js';
import type { Clock } from '../../../app/deps.js';
import type { HttpRequest } from '../../../app/server/http.js';

const SECRET = 'am-secret-0123456789abcdef';
let db: TestDatabase;
let events: PgAlertEventStore;
beforeAll(async () => {
  db = await createTestDatabase();
  events = new PgAlertEventStore(db.pool);
});
afterAll(async () => db?.drop());

// Shaped like a real Alertmanager v0.27 webhook notification.
const payload = (status: 'firing' | 'resolved', alerts: Array<{ fp: string; labels: Record<string, string>; status?: 'firing' | 'resolved' }>) => ({
  receiver: 'slo-scout', status, truncatedAlerts: 0, version: '4',
  groupKey: '{}:{alertname="CheckoutLatencyBudgetBurn"}', externalURL: 'http://alertmanager:9093',
  groupLabels: { alertname: 'CheckoutLatencyBudgetBurn' }, commonLabels: {}, commonAnnotations: {},
  alerts: alerts.map((a) => ({
    status: a.status ?? status, labels: a.labels, annotations: { summary: 'error budget burning 14.4x' },
    startsAt: '2026-11-28T10:00:00.000Z', endsAt: (a.status ?? status) === 'resolved' ? '2026-11-28T10:30:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=...', fingerprint: a.fp,
  })),
});

function setup(start = '2026-11-28T10:01:00Z') {
  let now = new Date(start).getTime();
  const clock: Clock = { now: () => new Date(now) };
  const triggered: string[] = [];
  const route = alertmanagerRoute({ logger: silentLogger, clock, secrets: [{ tenant: 'ops', token: SECRET }], events, debounceSeconds: 600, onReanalysis: (r) => { triggered.push(`${r.service}:${r.slo}`); } });
  return { route, triggered, advance: (s: number) => { now += s * 1000; } };
}
const req = (body: unknown, authorization = `Bearer ${SECRET}`): HttpRequest => ({
  method: 'POST', path: '/webhooks/alertmanager', query: new URLSearchParams(), headers: { authorization, 'content-type': 'application/json' }, rawBody: Buffer.from(JSON.stringify(body)),
});

describe('Alertmanager webhook', () => {
  it('stores firing alerts linked to their service and lists them as evidence', async () => {
    const { route } = setup();
    const res = await route.handle(req(payload('firing', [
      { fp: 'a1', labels: { alertname: 'CheckoutLatencyBudgetBurn', service: 'checkout', severity: 'page' } },
      { fp: 'a2', labels: { alertname: 'DiskFull', service_name: 'ledger' } },
    ])));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 2, stored: 2 });
    const listed = await events.list({ service: 'checkout', from: Date.UTC(2026, 10, 28) / 1000, to: Date.UTC(2026, 10, 29) / 1000 });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ tenant: 'ops', status: 'firing', alertname: 'CheckoutLatencyBudgetBurn', severity: 'page', endsAt: null });
    expect((await events.list({ service: 'ledger', from: 0, to: 2e9 }))[0]!.alertname).toBe('DiskFull');
  });

  it('stores a redelivered notification once and a resolution as a second event', async () => {
    const { route } = setup();
    const alert = { fp: 'r1', labels: { alertname: 'X', slo_service: 'search' } };
    await route.handle(req(payload('firing', [alert])));
    const again = await route.handle(req(payload('firing', [alert])));
    expect(again.body).toMatchObject({ stored: 0 });
    await route.handle(req(payload('resolved', [alert])));
    const listed = await events.list({ service: 'search', from: 0, to: 2e9 });
    expect(listed.map((e) => e.status).sort()).toEqual(['firing', 'resolved']);
    expect(listed.find((e) => e.status === 'resolved')!.endsAt).toBe(Date.parse('2026-11-28T10:30:00Z') / 1000);
  });

  it('triggers one re-analysis per service per debounce window, only for firing SLO alerts', async () => {
    const { route, triggered, advance } = setup();
    const slo = { fp: 's1', labels: { alertname: 'Burn', service: 'cart', slo_id: 'cart-latency' } };
    await route.handle(req(payload('firing', [slo, { fp: 's2', labels: { alertname: 'NotAnSlo', service: 'cart' } }])));
    await route.handle(req(payload('firing', [{ ...slo, fp: 's3' }])));
    await route.handle(req(payload('resolved', [slo])));
    expect(triggered).toEqual(['cart:cart-latency']);
    advance(601);
    await route.handle(req(payload('firing', [{ ...slo, fp: 's4' }])));
    expect(triggered).toEqual(['cart:cart-latency', 'cart:cart-latency']);
  });

  it.each([
    ['no credentials is 401', undefined, `none`, 401],
    ['a wrong bearer secret is 401', undefined, 'Bearer wrong-secret-0123456789', 401],
    ['basic auth with the secret as password is accepted', undefined, `Basic ${Buffer.from(`alertmanager:${SECRET}`).toString('base64')}`, 200],
    ['payload version 3 is 400 with the supported version named', { ...payload('firing', []), version: '3' }, `Bearer ${SECRET}`, 400],
    ['an alert without fingerprint is 400', { ...payload('firing', []), alerts: [{ status: 'firing', labels: {}, startsAt: '2026-11-28T10:00:00Z' }] }, `Bearer ${SECRET}`, 400],
  ])('%s', async (_name, body, authorization, status) => {
    const { route } = setup();
    const res = await route.handle(req(body ?? payload('firing', []), authorization));
    expect(res.status).toBe(status);
    if (status === 400) expect(JSON.stringify(res.body)).toMatch(/version|fingerprint/);
  });
});
