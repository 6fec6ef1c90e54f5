/**
 * Limits on the what-if API (POST /ui/api/what-if). Each call runs the simulator (2–40 ms of CPU
 * on the one `serve` process), and anyone holding a link can call it in a loop, so calls are
 * capped per link (token) and per client address. The counters live in Redis when `serve` has it,
 * so every replica counts against one budget; `serve --demo` (no Redis) and a Redis outage fall
 * back to counting in this process.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { consumeOrWait } from '../commands/rate-limit.js';

export interface WhatIfLimits {
  /** Calls per minute with one link; 0 = no limit. */
  perLinkPerMinute: number;
  /** Calls per minute from one client address; 0 = no limit. */
  perAddressPerMinute: number;
}

/** A slider drag sends a call per step (the page cancels the stale ones, the server still runs them). */
export const DEFAULT_WHAT_IF_LIMITS: WhatIfLimits = { perLinkPerMinute: 120, perAddressPerMinute: 300 };

export type WhatIfVerdict = { ok: true } | { ok: false; scope: 'link' | 'address'; limit: number; retryAfterSeconds: number };

export interface WhatIfLimiter {
  /** `token`: the checked link token; `address`: the client's address (absent = not counted per address). */
  consume(key: { token: string; address: string | undefined }): Promise<WhatIfVerdict>;
}

const MINUTE = 60;

/** Counters in Redis when given (shared by every `serve` replica), else in this process. */
export function whatIfLimiter(limits: WhatIfLimits, redis?: { client: Redis; prefix: string }): WhatIfLimiter {
  const make = (name: string, points: number): RateLimiterAbstract | null => {
    if (points <= 0) return null;
    const memory = new RateLimiterMemory({ keyPrefix: `what-if:${name}`, points, duration: MINUTE });
    // A Redis outage must not take the pages down: the process's own counters stand in.
    return redis
      ? new RateLimiterRedis({ storeClient: redis.client, keyPrefix: `${redis.prefix}:ui-limit:${name}`, points, duration: MINUTE, rejectIfRedisNotReady: true, insuranceLimiter: memory })
      : memory;
  };
  const perLink = make('link', limits.perLinkPerMinute);
  const perAddress = make('address', limits.perAddressPerMinute);
  const take = consumeOrWait;
  return {
    async consume({ token, address }) {
      if (address !== undefined) {
        const wait = await take(perAddress, address);
        if (wait !== null) return { ok: false, scope: 'address', limit: limits.perAddressPerMinute, retryAfterSeconds: wait };
      }
      // Keyed by a digest: the link itself is a credential and does not belong in Redis.
      const wait = await take(perLink, createHash('sha256').update(token).digest('base64url').slice(0, 32));
      return wait === null ? { ok: true } : { ok: false, scope: 'link', limit: limits.perLinkPerMinute, retryAfterSeconds: wait };
    },
  };
}

export function whatIfLimitMessage(v: WhatIfVerdict & { ok: false }): string {
  const who = v.scope === 'link' ? 'with this link' : 'from your address';
  return `too many what-if calls ${who}: at most ${v.limit} a minute. Try again in ${v.retryAfterSeconds} s.`;
}
