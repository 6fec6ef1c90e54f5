/**
 * Answer times of the webhook routes while a private PostgreSQL is up, frozen (SIGSTOP), stopped
 * and back (test/helpers/own-postgres.ts; never the shared server). `npx tsx bench/pg-outage.ts`
 * (needs PostgreSQL server binaries and the shared Redis). One request per route and state: the
 * point is the status and that the answer comes within the 5 s deadline, not a distribution.
 */
import { randomUUID } from 'node:crypto';
import { startTestStack, WEBHOOK_SECRET, GITLAB_WEBHOOK_SECRET } from '../test/helpers/app-stack.js';
import { ownPostgres } from '../test/helpers/own-postgres.js';
import { example, sign } from '../test/helpers/webhooks.js';
const pg = await ownPostgres(); await pg.start();
const stack = await startTestStack({ databaseUrl: pg.url, env: { ALERTMANAGER_SECRETS: 'acme:am-secret-0123456789abcdef' } });
const push = JSON.stringify(example('push'));
const gl = JSON.stringify({ object_kind: 'note', project: { path_with_namespace: 'g/p' }, object_attributes: {} });
const am = JSON.stringify({ version: '4', status: 'firing', receiver: 'r', groupKey: 'k', alerts: [{ status: 'firing', labels: { alertname: 'X' }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: 'f' }] });
const reqs = () => [
  ['github', '/api/github/webhooks', push, { 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(WEBHOOK_SECRET, push) }],
  ['gitlab', '/api/gitlab/webhooks', gl, { 'x-gitlab-token': GITLAB_WEBHOOK_SECRET, 'x-gitlab-event': 'Note Hook', 'x-gitlab-event-uuid': randomUUID() }],
  ['alertmanager', '/webhooks/alertmanager', am, { authorization: 'Bearer am-secret-0123456789abcdef' }],
] as const;
async function round(label: string) {
  const out: string[] = [];
  for (const [name, path, body, h] of reqs()) {
    const s = Date.now();
    const r = await fetch(`${stack.app.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...h } });
    out.push(`${name} ${r.status} ${Date.now() - s} ms retry-after=${r.headers.get('retry-after')}`);
  }
  process.stdout.write(`${label}: ${out.join('; ')}\n`);
}
await round('up');
pg.freeze(); await round('frozen'); pg.thaw();
await round('thawed');
await pg.stop(); await round('stopped'); await pg.start();
await round('restarted');
await stack.close(); await pg.cleanup();
process.exit(0);
