/**
 * The details pages (issue 14): /ui/<owner>/<repo>[/slo/<id> | /what-if/<id> | /pull/<n>[/<sha>]]
 * serve the React shell after checking the link's signed token; /ui/api/* answers the shell's
 * JSON calls (token in `Authorization: Bearer`), each response parsed with its zod schema.
 */
import type { HttpRequest, HttpResponse, HttpRoute } from '../server/http.js';
import type { Logger } from '../logger.js';
import { SimulationError } from '../core/simulate/index.js';
import type { WebData } from './data.js';
import { EvaluationView, RepoName, WhatIfRequest, type ApiError } from './schema.js';
import { findProposal, overviewOf, sloDetailOf, whatIfOf } from './views.js';
import { messagePage, SECURITY_HEADERS, type StaticSite } from './static.js';
import { verifyToken, type TokenCheck } from './token.js';
import { DEFAULT_WHAT_IF_LIMITS, whatIfLimiter, whatIfLimitMessage, type WhatIfLimiter } from './rate-limit.js';

export interface WebDeps {
  data: WebData;
  /** HMAC key of the access tokens (SLO_SCOUT_UI_SECRET; random per process in demo mode). */
  secret: string;
  /** The built UI; null when dist/web is missing (pages then answer 503 saying how to build it). */
  site: StaticSite | null;
  logger: Logger;
  /** Seconds since the epoch. */
  now(): number;
  /** Caps what-if calls per link and per address; absent = in-process counters with the default limits. */
  whatIfLimiter?: WhatIfLimiter;
}

const PAGE = /^\/ui\/([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})(?:\/(slo|what-if)\/([^/]{1,300})|\/pull\/(\d{1,9})(?:\/([0-9a-fA-F]{7,64}))?)?\/?$/;

function json(status: number, body: object): HttpResponse {
  return { status, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}
const apiError = (status: number, error: string, reason?: string) => json(status, { error, ...(reason ? { reason } : {}) } satisfies ApiError);

const bearer = (req: HttpRequest) => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;

export function webRoutes(deps: WebDeps): HttpRoute[] {
  const limiter = deps.whatIfLimiter ?? whatIfLimiter(DEFAULT_WHAT_IF_LIMITS);
  const check = (token: string | null, repo: string): TokenCheck => verifyToken(deps.secret, token, repo, deps.now());
  const refused = (c: Extract<TokenCheck, { ok: false }>, repo: string) => {
    deps.logger.info({ repo, reason: c.reason }, 'details page refused');
    return c;
  };

  /** Token + repo from the query, checked; the route body runs only for an allowed repository. */
  const api = (method: 'GET' | 'POST', path: string, run: (repo: string, req: HttpRequest) => Promise<HttpResponse>, maxBodyBytes = 1024): HttpRoute => ({
    method, path, maxBodyBytes,
    handle: async (req) => {
      const repo = RepoName.safeParse(req.query.get('repo') ?? '');
      if (!repo.success) return apiError(400, 'query parameter "repo" must be owner/name');
      const c = check(bearer(req), repo.data);
      if (!c.ok) return apiError(403, refused(c, repo.data).message, c.reason);
      return run(repo.data, req);
    },
  });

  const noReport = (repo: string) => apiError(404, `no analysis report for ${repo} yet: it appears after the first analysis (a push to the default branch or \`/slo-scout rerun\`)`);

  return [
    api('GET', '/ui/api/overview', async (repo) => {
      const report = await deps.data.report(repo);
      return report ? json(200, overviewOf(repo, report, deps.data.demo)) : noReport(repo);
    }),
    api('GET', '/ui/api/slo', async (repo, req) => {
      const report = await deps.data.report(repo);
      if (!report) return noReport(repo);
      const sloId = req.query.get('slo') ?? '';
      const proposal = findProposal(report, sloId);
      if (!proposal) return apiError(404, `no SLO "${sloId.slice(0, 300)}" in the latest report of ${repo}; the overview lists the SLOs it has`);
      return json(200, sloDetailOf(repo, report, proposal, deps.data.demo));
    }),
    api('POST', '/ui/api/what-if', async (repo, req) => {
      // Counted before any work: each call runs the simulator. The token was checked by api().
      const verdict = await limiter.consume({ token: bearer(req) ?? '', address: req.remoteAddress });
      if (!verdict.ok) {
        deps.logger.info({ repo, scope: verdict.scope, remote: req.remoteAddress }, 'what-if call rate limited');
        const res = apiError(429, whatIfLimitMessage(verdict));
        return { ...res, headers: { ...res.headers, 'retry-after': String(verdict.retryAfterSeconds) } };
      }
      let body: unknown;
      try {
        body = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        return apiError(400, 'body must be JSON: {"sloId": "...", "replicas"?: n, "trafficMultiplier"?: x, "canaryPercentage"?: 0-100, "version"?: "..."}');
      }
      const request = WhatIfRequest.safeParse(body);
      if (!request.success) return apiError(400, request.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
      const report = await deps.data.report(repo);
      if (!report) return noReport(repo);
      try {
        return json(200, whatIfOf(report, request.data, () => performance.now()));
      } catch (err) {
        if (err instanceof SimulationError) return apiError(400, err.message);
        throw err;
      }
    }, 4096),
    api('GET', '/ui/api/evaluation', async (repo, req) => {
      const pr = Number(req.query.get('pr'));
      const sha = req.query.get('sha') ?? undefined;
      if (!Number.isInteger(pr) || pr <= 0 || pr > 1e9) return apiError(400, 'query parameter "pr" must be a pull request number');
      if (sha !== undefined && !/^[0-9a-f]{7,64}$/i.test(sha)) return apiError(400, 'query parameter "sha" must be a commit SHA (hex)');
      const [evaluation, latest] = await Promise.all([deps.data.evaluation(repo, pr, sha), deps.data.evaluation(repo, pr)]);
      if (!evaluation || !latest) return apiError(404, `Policy Guard has not evaluated ${repo}#${pr}${sha ? ` at ${sha.slice(0, 7)}` : ''} yet`);
      const [decisions, audit] = await Promise.all([deps.data.decisions(repo, pr), deps.data.audit(repo, pr)]);
      return json(200, EvaluationView.parse({ repo, demo: deps.data.demo, pr, headSha: evaluation.headSha, latestHeadSha: latest.headSha, evaluation, decisions, audit }));
    }),
    { method: 'GET', path: '/ui', handle: async () => ({ status: 302, headers: { ...SECURITY_HEADERS, location: '/ui/' } }) },
    {
      method: 'GET',
      path: '/ui/*',
      handle: async (req) => {
        const site = deps.site;
        if (!site) return messagePage(503, 'The web UI is not built', 'This installation has no dist/web folder. Run `npm run build:web` in the slo-scout checkout (the npm package ships it built).', null);
        if (req.path.startsWith('/ui/_assets/')) return site.asset(req.path.slice('/ui/_assets/'.length));
        const m = PAGE.exec(req.path);
        if (!m) return messagePage(404, 'No such page', 'Details pages live at /ui/<owner>/<repo>; open one from a check run, a pull request, Slack or PagerDuty.', site.stylesheet);
        const repo = `${m[1]}/${m[2]}`;
        const c = check(req.query.get('t'), repo);
        if (!c.ok) return messagePage(403, 'Access refused', refused(c, repo).message, site.stylesheet);
        return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: site.index };
      },
    },
  ];
}
