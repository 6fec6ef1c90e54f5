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

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

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
  /** Absent (`serve --demo`): no webhook route, only the extra routes. */
  probot?: Probot;
  appFn?: ApplicationFunction;
  routes: HttpRoute[];
  logger: Logger;
  webhookPath?: string;
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
  const webhooks = options.probot && options.appFn
    ? await createNodeMiddleware(options.appFn, { probot: options.probot, webhooksPath: options.webhookPath ?? '/api/github/webhooks' })
    : async (_req: IncomingMessage, _res: ServerResponse, next: () => void) => next();
  const table = new Map(options.routes.map((r) => [`${r.method} ${r.path}`, r]));
  // A path ending in "/*" matches everything below it (the details pages' static files and page URLs).
  const prefixed = options.routes.filter((r) => r.path.endsWith('/*'));
  const paths = new Set(options.routes.map((r) => r.path));
  const log = options.logger;

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = table.get(`${req.method} ${url.pathname}`) ?? prefixed.find((r) => r.method === req.method && url.pathname.startsWith(r.path.slice(0, -1)));
    try {
      if (route) {
        let rawBody: Buffer;
        try {
          rawBody = await readBody(req, route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
        } catch (err) {
          if (err instanceof BodyTooLarge) {
            send(res, errorResponse(413, `request body over ${route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes for ${route.path}; send smaller batches`));
            req.resume();
            return;
          }
          throw err;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]));
        const out = await route.handle({ method: req.method ?? 'GET', path: url.pathname, headers, query: url.searchParams, rawBody, remoteAddress: req.socket.remoteAddress });
        send(res, out);
        return;
      }
      if (paths.has(url.pathname)) {
        send(res, errorResponse(405, `${req.method} is not allowed on ${url.pathname}`));
        return;
      }
      await webhooks(req, res, () => send(res, errorResponse(404, `no route for ${req.method} ${url.pathname}`)));
    } catch (err) {
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
