/**
 * The GitHub webhook route (WEBHOOK_PATH). It replaces Probot's middleware for that one path so
 * that nothing is buffered or logged before the sender is known:
 *   1. headers first: Content-Type, the three X-GitHub headers, Content-Length against the cap
 *      (GitHub never sends more than 25 MB) -> 400/413/415 without reading the body;
 *   2. the body is streamed with the same cap (chunked requests have no Content-Length);
 *   3. X-Hub-Signature-256 is verified; a failure is logged once with the delivery id, the event
 *      name and the reason, never the payload;
 *   4. the payload must be a JSON object nested at most MAX_JSON_DEPTH deep -> 400;
 *   5. Probot's handlers run (the appFn stores the delivery in the inbox) under a deadline. Only a
 *      committed inbox row is answered 2xx; a store that is away or slow gets 503 + Retry-After.
 * See docs/resilience.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Probot } from 'probot';
import type { Logger } from '../logger.js';
import { isStoreUnavailable } from '../store/db.js';
import { JsonBodyError, parseJsonBody } from './json.js';

/** GitHub caps webhook payloads at 25 MB ("Webhook events and payloads", GitHub Docs). */
export const GITHUB_MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface GitHubWebhookOptions {
  probot: Probot;
  logger: Logger;
  maxBodyBytes?: number;
  /** How long the handlers (the inbox insert) may take before the answer is 503 (GitHub gives up after 10 s). */
  deadlineMs?: number;
  retryAfterSeconds?: number;
}

type Reply = { status: number; body: Record<string, unknown>; headers?: Record<string, string>; close?: boolean };

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: ServerResponse, r: Reply): void {
  if (res.headersSent) return void res.end();
  // `connection: close` after an early refusal: Node would otherwise read (and discard) the rest of a
  // huge body to reuse the socket; closing lets the sender stop uploading.
  res.writeHead(r.status, { 'content-type': 'application/json', ...(r.close ? { connection: 'close' } : {}), ...(r.headers ?? {}) });
  res.end(JSON.stringify(r.body));
}

class TooLarge extends Error {}

/** Reads at most `limit` bytes; rejects with TooLarge as soon as the stream passes it (nothing more is kept). */
function readCapped(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export function githubWebhookHandler(o: GitHubWebhookOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const limit = o.maxBodyBytes ?? GITHUB_MAX_BODY_BYTES;
  const deadlineMs = o.deadlineMs ?? 5_000;
  const retryAfter = String(o.retryAfterSeconds ?? 30);
  const log = o.logger.child({ component: 'github-webhook' });
  const unavailable = (why: string): Reply => ({ status: 503, headers: { 'retry-after': retryAfter }, body: { error: `${why}; the delivery was not stored: redeliver it (GitHub: the app's Advanced settings, or POST /app/hook/deliveries/{id}/attempts)` } });

  async function handle(req: IncomingMessage): Promise<Reply> {
    if (req.method !== 'POST') return { status: 404, body: { error: `Unknown route: ${req.method} ${o.probot.webhookPath}` } };
    const type = header(req, 'content-type') ?? '';
    if (!/^\s*application\/json\s*(;|$)/i.test(type)) return { status: 415, close: true, body: { error: 'Content-Type must be application/json: set "Content type: application/json" in the GitHub App webhook settings' } };
    const event = header(req, 'x-github-event');
    const deliveryId = header(req, 'x-github-delivery');
    const signature = header(req, 'x-hub-signature-256');
    const missing = [['x-github-event', event], ['x-hub-signature-256', signature], ['x-github-delivery', deliveryId]].filter(([, v]) => !v).map(([k]) => k);
    if (missing.length) return { status: 400, close: true, body: { error: `Required headers missing: ${missing.join(', ')}` } };
    const tooLarge: Reply = { status: 413, close: true, body: { error: `body over ${limit} bytes: GitHub never sends more than 25 MB, so this is not a GitHub delivery` } };
    const declared = Number(header(req, 'content-length') ?? 0);
    if (declared > limit) {
      log.warn({ deliveryId, event, reason: 'content-length over the cap', bytes: declared }, 'GitHub webhook refused');
      return tooLarge;
    }
    let raw: Buffer;
    try {
      raw = await readCapped(req, limit);
    } catch (err) {
      if (!(err instanceof TooLarge)) throw err;
      log.warn({ deliveryId, event, reason: 'body over the cap while streaming' }, 'GitHub webhook refused');
      return tooLarge;
    }
    const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
    const valid = await o.probot.webhooks.verify(text, signature!).catch(() => false);
    if (!valid) {
      // A forged or misconfigured sender, not a failed delivery: warn once, without the payload.
      log.warn({ deliveryId, event, reason: 'signature does not match' }, 'GitHub webhook refused: X-Hub-Signature-256 does not match WEBHOOK_SECRET (a forged request, or the secret differs from the GitHub App settings)');
      return { status: 400, body: { error: 'signature does not match event payload and secret: check WEBHOOK_SECRET against the GitHub App webhook secret' } };
    }
    let payload: unknown;
    try {
      payload = parseJsonBody(text);
    } catch (err) {
      if (!(err instanceof JsonBodyError)) throw err;
      log.warn({ deliveryId, event, reason: err.message }, 'GitHub webhook refused');
      return { status: 400, body: { error: err.message } };
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
      log.warn({ deliveryId, event, reason: 'payload is not a JSON object' }, 'GitHub webhook refused');
      return { status: 400, body: { error: 'payload must be a JSON object (a GitHub webhook event)' } };
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), deadlineMs); });
    try {
      const received = o.probot.webhooks.receive({ id: deliveryId!, name: event as never, payload: payload as never });
      received.catch(() => undefined); // settles after a timeout answer; its error was logged by the handlers
      if ((await Promise.race([received, deadline])) === 'timeout') {
        log.warn({ deliveryId, event, reason: `not stored within ${deadlineMs} ms` }, 'GitHub webhook answered 503: the inbox (PostgreSQL) is slow or away');
        return unavailable(`the inbox did not answer within ${deadlineMs} ms`);
      }
      return { status: 200, body: { ok: true } };
    } catch (err) {
      if (isStoreUnavailable(err)) {
        log.warn({ deliveryId, event, reason: 'store unavailable' }, 'GitHub webhook answered 503: PostgreSQL is unavailable');
        return unavailable('PostgreSQL is unavailable');
      }
      log.error({ deliveryId, event, reason: (err as Error).message }, 'GitHub webhook handler failed; answered 500, the delivery was not stored');
      return { status: 500, body: { error: 'handler failed; see the server log for this delivery id' } };
    } finally {
      clearTimeout(timer);
    }
  }

  return async (req, res) => {
    const r = await handle(req);
    if (r.close) res.once('finish', () => req.destroy());
    reply(res, r);
  };
}
