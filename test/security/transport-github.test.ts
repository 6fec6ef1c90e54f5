/**
 * The GitHub webhook route against hostile senders (issue 9, finding 3): size caps before the
 * signature check, one short log line per refused delivery, no payload in any log line, and
 * malformed-but-signed bodies answered 400. Real signatures, real PostgreSQL and Redis.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { example, postWebhook, sign } from '../helpers/webhooks.js';
import { rawPost as post } from '../helpers/raw-post.js';

const lines: string[] = [];
const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)); done(); } });
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ logger: createLogger({ level: 'debug', destination: sink }) });
});
afterAll(async () => { await stack?.close(); });

const MB = 1024 * 1024;

const rawPost = (opts: Parameters<typeof post>[1]) => post(`${stack.app.url}/api/github/webhooks`, opts);

async function inboxHas(deliveryId: string): Promise<boolean> {
  const { rows } = await stack.db.pool.query('SELECT 1 FROM webhook_inbox WHERE delivery_id = $1', [deliveryId]);
  return rows.length > 0;
}

describe('GitHub webhook size caps', () => {
  it('answers 413 from the Content-Length header alone, before reading the body', async () => {
    const started = Date.now();
    // Declares 50 MB but sends 1 KB: an answer can only come from the header.
    const res = await rawPost({
      headers: { 'content-type': 'application/json', 'content-length': 50 * MB, 'x-github-event': 'push', 'x-github-delivery': 'big-declared', 'x-hub-signature-256': 'sha256=00' },
      chunks: [Buffer.alloc(1024, 0x20)],
    });
    expect(res.status).toBe(413);
    expect(res.text).toMatch(/25 MB/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a validly signed chunked body over 25 MB while streaming and never stores it', async () => {
    const payload = example('push') as Record<string, unknown>;
    payload.pad = 'x'.repeat(26 * MB);
    const body = Buffer.from(JSON.stringify(payload));
    const chunks = function* () { for (let i = 0; i < body.length; i += MB) yield body.subarray(i, i + MB); };
    // No content-length: node sends it chunked, so only the streaming check can catch it.
    const res = await rawPost({
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-github-event': 'push', 'x-github-delivery': 'big-signed', 'x-hub-signature-256': sign(WEBHOOK_SECRET, body.toString()) },
      chunks: chunks(),
    }).catch((err: Error) => ({ status: -1, text: err.message }));
    // The answer is 413; a client may instead see the socket closed mid-upload, never a 2xx.
    expect([413, -1]).toContain(res.status);
    // Old code answered 202 "still processing" after 9 s and stored the body later: give it time to.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await inboxHas('big-signed')).toBe(false);
  });

  it('still accepts a normal signed delivery', async () => {
    const res = await postWebhook(stack.app.url, 'push', example('push'), { secret: WEBHOOK_SECRET, deliveryId: 'normal-1' });
    expect(res.status).toBe(200);
    expect(await inboxHas('normal-1')).toBe(true);
  });
});

describe('GitHub webhook logs', () => {
  it('logs a forged 2 MB delivery once, with id, event and reason only, never the payload or a redelivery promise', async () => {
    lines.length = 0;
    const payload = example('push') as Record<string, unknown>;
    payload.marker = `PAYLOAD-MARKER-${'y'.repeat(2 * MB)}`;
    const res = await postWebhook(stack.app.url, 'push', payload, { secret: WEBHOOK_SECRET, deliveryId: 'forged-1', signature: sign('not-the-secret', 'x') });
    // 400 as @octokit/webhooks answers it (GitHub shows the delivery as failed either way).
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 100));
    const about = lines.filter((l) => l.includes('forged-1'));
    expect(about).toHaveLength(1);
    const entry = JSON.parse(about[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ deliveryId: 'forged-1', event: 'push', reason: 'signature does not match', level: 40 });
    expect(lines.join('\n')).not.toContain('PAYLOAD-MARKER');
    expect(lines.join('\n').length).toBeLessThan(4_000);
    expect(lines.join('\n')).not.toMatch(/may redeliver/);
    expect(await inboxHas('forged-1')).toBe(false);
  });
});

describe('GitHub webhook bodies that are signed but not a webhook', () => {
  it('answers 400 for a signed `null` body', async () => {
    const res = await postWebhook(stack.app.url, 'push', null, { secret: WEBHOOK_SECRET, deliveryId: 'null-1' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/JSON object/);
  });

  it('answers 400 for signed JSON nested 5000 deep (no stack overflow, no 5xx)', async () => {
    const body = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const res = await fetch(`${stack.app.url}/api/github/webhooks`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'deep-1', 'x-hub-signature-256': sign(WEBHOOK_SECRET, body) },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/nested deeper/);
    expect(await inboxHas('deep-1')).toBe(false);
  });

  it('answers 400 for a signed object wrapping a 5000-deep value (not 503/500)', async () => {
    // Built as text: JSON.stringify itself overflows the stack on such a value (as the inbox insert did).
    const body = `${JSON.stringify(example('push')).slice(0, -1)},"deep":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const res = await fetch(`${stack.app.url}/api/github/webhooks`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'deep-2', 'x-hub-signature-256': sign(WEBHOOK_SECRET, body) },
    });
    expect(res.status).toBe(400);
    expect(await inboxHas('deep-2')).toBe(false);
  });
});
