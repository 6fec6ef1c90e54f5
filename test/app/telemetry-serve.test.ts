/**
 * The telemetry intake inside `slo-scout serve` (startAppServer, as the CLI runs it): OTLP/HTTP on
 * /v1/traces with the final flush on stop, 404 without tokens, and Alertmanager -> `analyze` jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { ReportStore } from '../../app/store/reports.js';
import { reanalysisTrigger } from '../../app/telemetry/alertmanager/reanalysis.js';
import { reposCoveringService } from '../../app/store/service-repos.js';
import { startTestStack, type TestStack } from '../helpers/app-stack.js';
import { fakeReport } from '../helpers/fake-engine.js';

const OTLP_TOKEN = 'otlp-token-0123456789abcdef';
const AM_SECRET = 'am-secret-0123456789abcdef';

let withIntake: TestStack;
let without: TestStack;
beforeAll(async () => {
  // A long flush period: nothing reaches PostgreSQL before stop(), so the final flush is what is tested.
  [withIntake, without] = await Promise.all([
    startTestStack({ env: { OTLP_TOKENS: `acme:${OTLP_TOKEN}`, ALERTMANAGER_SECRETS: `ops:${AM_SECRET}`, INTAKE_FLUSH_SECONDS: '300' } }),
    startTestStack(),
  ]);
});
afterAll(async () => {
  await Promise.all([withIntake?.close(), without?.close()]);
});

const nowNs = BigInt(Date.now()) * 1_000_000n;
const span = (i: number, ms: number, code = 200) => ({
  traceId: i.toString(16).padStart(32, '0'), spanId: i.toString(16).padStart(16, '0'), name: 'POST /pay', kind: 2,
  startTimeUnixNano: String(nowNs - 60_000_000_000n), endTimeUnixNano: String(nowNs - 60_000_000_000n + BigInt(ms) * 1_000_000n),
  attributes: [{ key: 'http.route', value: { stringValue: '/pay' } }, { key: 'http.response.status_code', value: { intValue: String(code) } }],
});
const exportBody = (spans: object[]) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ spans }] }] });

const postTraces = (url: string, body: string, token?: string) => fetch(`${url}/v1/traces`, {
  method: 'POST', body, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
});

const alert = (service: string) => JSON.stringify({
  version: '4', groupKey: '{}:{alertname="CheckoutBudgetBurn"}', status: 'firing', receiver: 'slo-scout', externalURL: 'http://alertmanager:9093',
  alerts: [{ status: 'firing', labels: { alertname: 'CheckoutBudgetBurn', service, slo_scout_id: `${service}-latency`, severity: 'page' }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: `fp-${service}` }],
});
const postAlert = (url: string, body: string) => fetch(`${url}/webhooks/alertmanager`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${AM_SECRET}` } });

describe('OTLP/HTTP in slo-scout serve', () => {
  it('accepts an authenticated JSON export on /v1/traces, and stop() flushes the aggregates into PostgreSQL', async () => {
    const spans = [span(1, 12), span(2, 30), span(3, 250, 503)];
    const res = await postTraces(withIntake.app.url, exportBody(spans), OTLP_TOKEN);
    expect(res.status).toBe(200);
    const count = async () => (await withIntake.db.pool.query<{ n: number; errors: number }>(
      "SELECT coalesce(sum(count), 0)::int AS n, coalesce(sum(errors), 0)::int AS errors FROM telemetry_aggregates WHERE tenant = 'acme' AND service = 'checkout' AND endpoint = '/pay'",
    )).rows[0]!;
    expect((await count()).n).toBe(0);
    await withIntake.app.telemetry.stop();
    expect(await count()).toEqual({ n: spans.length, errors: 1 });
  });

  it('refuses an export without a valid token (401) and stores nothing', async () => {
    const res = await postTraces(withIntake.app.url, exportBody([span(9, 5)]), 'wrong-token-0123456789abcdef');
    expect(res.status).toBe(401);
    await withIntake.app.telemetry.flusher.flushOnce();
    const { rows } = await withIntake.db.pool.query<{ n: number }>("SELECT coalesce(sum(count), 0)::int AS n FROM telemetry_aggregates WHERE service = 'checkout'");
    expect(rows[0]!.n).toBe(3); // only the three spans of the accepted export above
  });

  it('without OTLP_TOKENS and ALERTMANAGER_SECRETS the intake routes answer 404', async () => {
    expect((await postTraces(without.app.url, exportBody([span(4, 5)]), OTLP_TOKEN)).status).toBe(404);
    expect((await postAlert(without.app.url, alert('checkout'))).status).toBe(404);
    expect(without.app.telemetry.routes).toEqual([]);
  });
});

describe('Alertmanager -> re-analysis', () => {
  beforeAll(async () => {
    const reports = new ReportStore(withIntake.db.pool);
    await reports.save('github', 'acme/payments', fakeReport(['checkout', 'cart']));
    await reports.save('github', 'acme/search', fakeReport(['search']));
    // Covered checkout long ago (before the coverage window), but its recent reports no longer do.
    await reports.save('github', 'acme/old', fakeReport(['checkout']));
    await withIntake.db.pool.query("UPDATE slo_reports SET created_at = now() - interval '60 days' WHERE repo = 'acme/old'");
    await reports.save('github', 'acme/old', fakeReport(['billing']));
    for (const [id, repo, installationId] of [['d-1', 'acme/payments', 42], ['d-2', 'acme/search', 42], ['d-3', 'acme/old', 42]] as const) {
      await withIntake.app.inbox.record({ deliveryId: id, platform: 'github', event: 'push', action: null, installationId, repo, payload: {} });
    }
  });

  const analyzeJobs = () => withIntake.app.queues.get('analyze').getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);

  it('a firing SLO alert enqueues exactly one analyze job for the repo whose report covers the service, also when repeated', async () => {
    const first = await postAlert(withIntake.app.url, alert('checkout'));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: 1, reanalysis: ['checkout'] });
    const second = await postAlert(withIntake.app.url, alert('checkout'));
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ reanalysis: [] });
    const jobs = await analyzeJobs();
    expect(jobs.map((j) => j.data)).toEqual([{ platform: 'github', owner: 'acme', repo: 'payments', service: 'checkout', installationId: 42, reason: 'alert', reuseReport: false }]);
    expect(jobs[0]!.id).toMatch(/^alert-github-acme_payments-checkout-\d+$/);
  });

  it('a second serve replica (no shared debounce) in the same 15 minutes still adds no second job', async () => {
    const trigger = reanalysisTrigger({ pool: withIntake.db.pool, queues: withIntake.app.queues, clock: systemClock, logger: silentLogger });
    await trigger({ tenant: 'ops', service: 'checkout', slo: 'checkout-latency', alertname: 'CheckoutBudgetBurn' });
    expect((await analyzeJobs()).filter((j) => j.data.service === 'checkout')).toHaveLength(1);
  });

  it('a service-scoped report (from an earlier alert run) does not hide the repo\'s other services', async () => {
    await new ReportStore(withIntake.db.pool).save('github', 'acme/payments', fakeReport(['checkout']));
    const repos = await reposCoveringService(withIntake.db.pool, 'cart');
    expect(repos).toEqual([{ platform: 'github', repo: 'acme/payments', installationId: 42 }]);
  });

  it('an alert for a service no recent report covers enqueues nothing', async () => {
    const before = (await analyzeJobs()).length;
    const res = await postAlert(withIntake.app.url, alert('inventory'));
    expect(res.status).toBe(200);
    expect((await analyzeJobs()).length).toBe(before);
  });

  it('a repo without a known installation id is skipped (the worker could not act as the App on it)', async () => {
    await new ReportStore(withIntake.db.pool).save('github', 'acme/noinstall', fakeReport(['cart']));
    const res = await postAlert(withIntake.app.url, alert('cart'));
    expect(await res.json()).toMatchObject({ reanalysis: ['cart'] });
    const cart = (await analyzeJobs()).filter((j) => j.data.service === 'cart');
    expect(cart.map((j) => `${j.data.owner}/${j.data.repo}`)).toEqual(['acme/payments']);
  });
});

describe('intake environment (part of Env)', () => {
  it('applies the documented defaults when nothing is set', async () => {
    const { parseEnv } = await import('../../app/config/env.js');
    expect(parseEnv({})).toMatchObject({ INTAKE_FLUSH_SECONDS: 10, INTAKE_MAX_BODY_BYTES: 4 * 1024 * 1024, RETENTION_RAW_DAYS: 7, RETENTION_CAPSULE_DAYS: 90, RETENTION_AGGREGATE_DAYS: 365 });
    expect(parseEnv({}).OTLP_TOKENS).toBeUndefined();
  });
  it('a malformed secret list is an EnvError naming its own variable (serve exits 2 with that line)', async () => {
    const { EnvError, parseEnv } = await import('../../app/config/env.js');
    const { createIntake } = await import('../../app/telemetry/otlp/intake.js');
    const build = (env: Record<string, string>) => () => createIntake({ pool: {} as never, logger: silentLogger, clock: systemClock, env: parseEnv(env) });
    expect(build({ ALERTMANAGER_SECRETS: 'ops:short' })).toThrow(EnvError);
    expect(build({ ALERTMANAGER_SECRETS: 'ops:short' })).toThrow(/ALERTMANAGER_SECRETS entry 1 \(tenant "ops"\)/);
    expect(build({ OTLP_TOKENS: 'no-colon-here-0123456789' })).toThrow(/OTLP_TOKENS entry 1: expected "tenant:token"/);
  });
  it.each([
    ['a zero flush period', { INTAKE_FLUSH_SECONDS: '0' }, /INTAKE_FLUSH_SECONDS: .*\(got "0"\)/],
    ['a non-numeric retention', { RETENTION_RAW_DAYS: 'week' }, /RETENTION_RAW_DAYS: .*\(got "week"\)/],
  ])('%s is refused naming the variable', async (_name, env, message) => {
    const { parseEnv } = await import('../../app/config/env.js');
    expect(() => parseEnv(env)).toThrow(message);
  });
});
