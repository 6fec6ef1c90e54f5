/** The details pages (issue 14): routes for `slo-scout serve` and the self-contained demo server. */
import type { Logger } from '../logger.js';
import type { Pool } from '../store/db.js';
import type { HttpRoute } from '../server/http.js';
import type { Clock } from '../deps.js';
import { startServer, type RunningServer } from '../server/server.js';
import { DbWebData } from './data.js';
import { DEMO_PR, DEMO_REPO, DemoWebData } from './demo.js';
import { detailsLinks, type DetailsLinks } from './links.js';
import { webRoutes } from './routes.js';
import { findWebRoot, loadStaticSite, type StaticSite } from './static.js';
import { randomBytes } from 'node:crypto';
import { errorResponse } from '../server/http.js';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import { DEFAULT_WHAT_IF_LIMITS, whatIfLimiter, type WhatIfLimits } from './rate-limit.js';

export { detailsLinks, detailsLinksFromEnv, type DetailsLinks } from './links.js';

let cachedSite: StaticSite | null | undefined;
function site(): StaticSite | null {
  cachedSite ??= ((root) => (root ? loadStaticSite(root) : null))(findWebRoot());
  return cachedSite;
}

/** The /ui routes of `slo-scout serve`; none without SLO_SCOUT_UI_SECRET (then /ui is a 404 like any unknown path). */
export function uiRoutes(deps: { env: Pick<Env, 'SLO_SCOUT_UI_SECRET' | 'QUEUE_PREFIX' | 'SLO_SCOUT_UI_WHAT_IF_PER_LINK_PER_MINUTE' | 'SLO_SCOUT_UI_WHAT_IF_PER_ADDRESS_PER_MINUTE'>; pool: Pool; redis?: Redis; logger: Logger; clock: Clock }): HttpRoute[] {
  const secret = deps.env.SLO_SCOUT_UI_SECRET;
  if (!secret) return [];
  // Counted in Redis so every serve replica shares one budget per link and address.
  const limits = { perLinkPerMinute: deps.env.SLO_SCOUT_UI_WHAT_IF_PER_LINK_PER_MINUTE, perAddressPerMinute: deps.env.SLO_SCOUT_UI_WHAT_IF_PER_ADDRESS_PER_MINUTE };
  const limiter = whatIfLimiter(limits, deps.redis ? { client: deps.redis, prefix: deps.env.QUEUE_PREFIX } : undefined);
  return webRoutes({ data: new DbWebData(deps.pool), secret, site: site(), logger: deps.logger.child({ component: 'web' }), now: () => deps.clock.now().getTime() / 1000, whatIfLimiter: limiter });
}

export interface DemoServer extends RunningServer {
  links: DetailsLinks;
  /** The pages a newcomer opens first, with tokens. */
  pages: { overview: string; evaluation: string };
}

/** `slo-scout serve --demo`: the details pages on the synthetic fleet, nothing else running. */
export async function startDemoServer(o: { logger: Logger; port?: number; host?: string; secret?: string; publicUrl?: string; now?: () => number; whatIfLimits?: WhatIfLimits }): Promise<DemoServer> {
  // A random key per process unless one is given: demo links stop working when the process ends.
  const secret = o.secret ?? randomBytes(32).toString('hex');
  const now = o.now ?? (() => Date.now() / 1000);
  const data = new DemoWebData(o.logger);
  const routes = [
    // No Redis in demo mode: the what-if limits count in this process.
    ...webRoutes({ data, secret, site: site(), logger: o.logger.child({ component: 'web' }), now, whatIfLimiter: whatIfLimiter(o.whatIfLimits ?? DEFAULT_WHAT_IF_LIMITS) }),
    { method: 'GET' as const, path: '/healthz', handle: async () => ({ status: 200, body: { status: 'ok', demo: true } }) },
    { method: 'GET' as const, path: '/', handle: async () => errorResponse(404, 'demo mode: open the /ui link printed at start') },
  ];
  const running = await startServer({ routes, logger: o.logger, port: o.port ?? 3000, host: o.host ?? '127.0.0.1' });
  const links = detailsLinks({ publicUrl: o.publicUrl ?? running.url, secret, now })!;
  // Analyse now rather than on the first page view, so the first page opens at once.
  await data.report(DEMO_REPO);
  return { ...running, links, pages: { overview: links.overview(DEMO_REPO), evaluation: links.evaluation(DEMO_REPO, DEMO_PR) } };
}
