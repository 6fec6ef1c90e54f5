/**
 * One node:http server for everything `slo-scout serve` answers: the extra HttpRoutes
 * (app/server/routes.ts: health, metrics, GitLab, Slack, PagerDuty, OTLP...) and Probot's webhook
 * middleware at WEBHOOK_PATH. Routes get the raw body (signature checks need the exact bytes);
 * bodies over `maxBodyBytes` are answered 413 before the handler runs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeMiddleware, type ApplicationFunction, type Probot } from 'probot';
import { errorResponse, type HttpResponse, type HttpRoute } from './http.js';
import type { Logger } from '../logger.js';
import { isStoreUnavailable } from '../store/db.js';
import { githubWebhookHandler } from './github-webhook.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** A route that has not answered by then gets 503 + Retry-After (senders retry; GitHub waits 10 s). */
export const DEFAULT_DEADLINE_MS = 5_000;
export const RETRY_AFTER_SECONDS = 30;

class DeadlineExceeded extends Error {}

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  p.catch(() => undefined); // a late rejection after the 503 must not go unhandled
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new DeadlineExceeded()), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

const unavailable = (why: string): HttpResponse => ({ ...errorResponse(503, `${why}; retry later`), headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } });

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, out: HttpResponse): void {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  let body: string | Buffer | undefined;
  if (out.body === undefined) body = undefined;
  else if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) body = out.body;
  else {
    body = JSON.stringify(out.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(out.status, headers);
  res.end(body);
}

export interface ServerOptions {
  /** Absent on a GitLab-only install or with `serve --demo`: no GitHub webhook route. */
  probot?: Probot;
  appFn?: ApplicationFunction;
  routes: HttpRoute[];
  logger: Logger;
  webhookPath?: string;
  /** Per-request deadline for routes and the GitHub webhook (default 5 s). */
  deadlineMs?: number;
  port?: number;
  host?: string;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Builds the request handler (exported for tests that want no socket). */
export async function createHandler(options: Omit<ServerOptions, 'port' | 'host'>): Promise<(req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  // createNodeMiddleware also loads appFn into Probot (the inbox handlers the GitHub route runs).
  const webhooks = options.probot && options.appFn
    ? await createNodeMiddleware(options.appFn, { probot: options.probot, webhooksPath: options.webhookPath ?? '/api/github/webhooks' })
    : async (_req: IncomingMessage, _res: ServerResponse, next: () => void) => next();
  const table = new Map(options.routes.map((r) => [`${r.method} ${r.path}`, r]));
  // A path ending in "/*" matches everything below it (the details pages' static files and page URLs).
  const prefixed = options.routes.filter((r) => r.path.endsWith('/*'));
  const paths = new Set(options.routes.map((r) => r.path));
  const log = options.logger;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const webhookPath = options.webhookPath ?? '/api/github/webhooks';
  // A GitLab-only install runs without the GitHub App: its webhook path is then just unknown (404).
  const github = options.probot ? githubWebhookHandler({ probot: options.probot, logger: log, deadlineMs, retryAfterSeconds: RETRY_AFTER_SECONDS }) : undefined;

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = table.get(`${req.method} ${url.pathname}`) ?? prefixed.find((r) => r.method === req.method && url.pathname.startsWith(r.path.slice(0, -1)));
    try {
      if (github && url.pathname === webhookPath) {
        await github(req, res);
        return;
      }
      if (route) {
        let rawBody: Buffer;
        try {
          rawBody = await readBody(req, route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
        } catch (err) {
          if (err instanceof BodyTooLarge) {
            // Close instead of draining the rest of an oversized body to keep the connection.
            res.once('finish', () => req.destroy());
            send(res, { ...errorResponse(413, `request body over ${route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes for ${route.path}; send smaller batches`), headers: { connection: 'close' } });
            return;
          }
          throw err;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]));
        // Deep nesting overflows the stack in zod, JSON.stringify and pino long after JSON.parse succeeded.
        if ((headers['content-type'] ?? '').includes('json') && jsonDepthExceeds(rawBody.toString('utf8'), MAX_JSON_DEPTH)) {
          send(res, errorResponse(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels; no real payload does that`));
          return;
        }
        let out: HttpResponse;
        try {
          out = await withDeadline(route.handle({ method: req.method ?? 'GET', path: url.pathname, headers, query: url.searchParams, rawBody, remoteAddress: req.socket.remoteAddress }), deadlineMs);
        } catch (err) {
          if (err instanceof DeadlineExceeded) {
            log.warn({ path: url.pathname, deadlineMs }, 'request answered 503: no answer within the deadline (PostgreSQL slow or away?)');
            out = unavailable(`no answer within ${deadlineMs} ms (the store is slow or away)`);
          } else if (isStoreUnavailable(err)) {
            log.warn({ path: url.pathname, reason: (err as Error).message }, 'request answered 503: PostgreSQL is unavailable');
            out = unavailable('PostgreSQL is unavailable');
          } else throw err;
        }
        send(res, out);
        return;
      }
      if (paths.has(url.pathname)) {
        send(res, errorResponse(405, `${req.method} is not allowed on ${url.pathname}`));
        return;
      }
      await webhooks(req, res, () => send(res, errorResponse(404, `no route for ${req.method} ${url.pathname}`)));
    } catch (err) {
      if (isStoreUnavailable(err) && !res.headersSent) {
        log.warn({ path: url.pathname, reason: (err as Error).message }, 'request answered 503: PostgreSQL is unavailable');
        send(res, unavailable('PostgreSQL is unavailable'));
        return;
      }
      log.error({ err, path: url.pathname }, 'request failed');
      if (!res.headersSent) send(res, errorResponse(500, 'internal error; see the server log'));
      else res.end();
    }
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const handler = await createHandler(options);
  const server = createServer((req, res) => void handler(req, res));
  // Slow clients must not pin sockets forever; GitHub sends a webhook in one go.
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port }, 'listening');
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}
