/**
 * Links to the details pages, each with a signed token for its repository (token.ts). Used by
 * the check run (details_url), the PR body, Slack and PagerDuty. Without SLO_SCOUT_PUBLIC_URL and
 * SLO_SCOUT_UI_SECRET there is no page to link to, so every builder returns undefined.
 */
import { createToken, DEFAULT_TOKEN_TTL_SECONDS } from './token.js';

export interface DetailsLinks {
  overview(repo: string): string;
  slo(repo: string, sloId: string): string;
  whatIf(repo: string, sloId: string): string;
  evaluation(repo: string, pr: number, headSha?: string): string;
}

export interface LinkOptions {
  publicUrl: string | undefined;
  secret: string | undefined;
  /** Seconds since the epoch. */
  now(): number;
  ttlSeconds?: number;
}

const repoPath = (repo: string) => repo.split('/').map(encodeURIComponent).join('/');

export function detailsLinks(o: LinkOptions): DetailsLinks | undefined {
  if (!o.publicUrl || !o.secret) return undefined;
  const root = `${o.publicUrl.replace(/\/+$/, '')}/ui`;
  const link = (repo: string, rest: string) => `${root}/${repoPath(repo)}${rest}?t=${createToken(o.secret!, repo, o.now(), o.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS)}`;
  return {
    overview: (repo) => link(repo, ''),
    slo: (repo, sloId) => link(repo, `/slo/${encodeURIComponent(sloId)}`),
    whatIf: (repo, sloId) => link(repo, `/what-if/${encodeURIComponent(sloId)}`),
    evaluation: (repo, pr, headSha) => link(repo, `/pull/${pr}${headSha ? `/${encodeURIComponent(headSha)}` : ''}`),
  };
}

/** From the process environment (serve, worker): the one place that reads these two variables. */
export function detailsLinksFromEnv(env: Record<string, string | undefined>, now: () => number = () => Date.now() / 1000): DetailsLinks | undefined {
  return detailsLinks({ publicUrl: env.SLO_SCOUT_PUBLIC_URL, secret: env.SLO_SCOUT_UI_SECRET, now });
}
