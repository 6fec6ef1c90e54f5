/**
 * Slash-command limits per user and per repository. Any commenter can type a command and each
 * one costs GitHub API calls and queue work, so a flood from one user (or at one repository) is
 * capped. The counters live in Redis, so every worker process counts against the same budget.
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface CommandLimitKey {
  platform: 'github' | 'gitlab';
  repo: string;
  user: string;
}

export type LimitVerdict = { ok: true } | { ok: false; scope: 'user' | 'repository'; limit: number; retryAfterSeconds: number };

export interface CommandLimiter {
  consume(key: CommandLimitKey): Promise<LimitVerdict>;
}

export interface CommandLimits {
  perUserPerHour: number;
  perRepoPerHour: number;
}

/**
 * Takes one point for `key`: null when allowed, else the whole seconds to wait (at least 1).
 * A null limiter is a limit turned off. Store errors propagate (an insurance limiter absorbs them).
 */
export async function consumeOrWait(limiter: RateLimiterAbstract | null, key: string): Promise<number | null> {
  if (!limiter) return null;
  try {
    await limiter.consume(key);
    return null;
  } catch (res) {
    if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    throw res;
  }
}

/** One hour windows; 0 turns a limit off. Redis errors propagate (the webhook job is retried). */
export function redisCommandLimiter(redis: Redis, prefix: string, limits: CommandLimits): CommandLimiter {
  const make = (name: string, points: number) => points > 0 ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:cmd-limit:${name}`, points, duration: 3600 }) : null;
  const perUser = make('user', limits.perUserPerHour);
  const perRepo = make('repo', limits.perRepoPerHour);
  const take = consumeOrWait;
  return {
    async consume({ platform, repo, user }) {
      // The user is counted per platform, across repositories: one person cannot spread a flood.
      const userWait = await take(perUser, `${platform}:${user.toLowerCase()}`);
      if (userWait !== null) return { ok: false, scope: 'user', limit: limits.perUserPerHour, retryAfterSeconds: userWait };
      const repoWait = await take(perRepo, `${platform}:${repo.toLowerCase()}`);
      if (repoWait !== null) return { ok: false, scope: 'repository', limit: limits.perRepoPerHour, retryAfterSeconds: repoWait };
      return { ok: true };
    },
  };
}

export function limitMessage(v: LimitVerdict & { ok: false }): string {
  const minutes = Math.ceil(v.retryAfterSeconds / 60);
  return v.scope === 'user'
    ? `you have run ${v.limit} SLO-Scout commands in the last hour, the most one person may. Please try again in about ${minutes} minute${minutes === 1 ? '' : 's'}.`
    : `this repository has run ${v.limit} SLO-Scout commands in the last hour, the most allowed. Please try again in about ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
