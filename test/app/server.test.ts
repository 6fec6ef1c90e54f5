import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../app/server/server.js';
import { silentLogger } from '../../app/logger.js';
import type { HttpRequest } from '../../app/server/http.js';
import { testProbot } from '../helpers/app-stack.js';

let server: RunningServer;
const seen: HttpRequest[] = [];
beforeAll(async () => {
  server = await startServer({
    probot: testProbot(), appFn: () => undefined, logger: silentLogger, port: 0, host: '127.0.0.1',
    routes: [{ method: 'POST', path: '/small', maxBodyBytes: 16, handle: async (req) => { seen.push(req); return { status: 202, body: { bytes: req.rawBody.length } }; } }],
  });
});
afterAll(async () => { await server.close(); });

describe('extra routes on the Probot server', () => {
  it('passes the exact raw body, lower-cased headers and the query to the route', async () => {
    const res = await fetch(`${server.url}/small?x=1`, { method: 'POST', headers: { 'X-Thing': 'A' }, body: '{"a": 1}' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ bytes: 8 });
    expect(seen[0].rawBody.toString()).toBe('{"a": 1}');
    expect(seen[0].headers['x-thing']).toBe('A');
    expect(seen[0].query.get('x')).toBe('1');
  });

  it('answers 413 over maxBodyBytes without calling the route', async () => {
    const before = seen.length;
    const res = await fetch(`${server.url}/small`, { method: 'POST', body: 'x'.repeat(17) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/over 16 bytes/);
    expect(seen.length).toBe(before);
  });

  it('leaves the webhook path to Probot (a GET there is not a route of ours)', async () => {
    const res = await fetch(`${server.url}/api/github/webhooks`);
    expect(res.status).toBe(404);
  });
});
