/**
 * Signed, expiring links for the details pages (issue 14). A token grants one repository until
 * its expiry: `base64url(JSON {v, r, e}) "." base64url(HMAC-SHA256(secret, payload))`. No
 * server-side state, so links in check runs, Slack and PagerDuty keep working across restarts
 * as long as SLO_SCOUT_UI_SECRET stays the same; rotating the secret revokes every link at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Long enough that a check-run link still opens when the reviewer gets to it; short enough to age out. */
export const DEFAULT_TOKEN_TTL_SECONDS = 14 * 86_400;
/** A token is a few hundred bytes; anything longer is refused before any crypto runs. */
const MAX_TOKEN_LENGTH = 1024;
export const MIN_SECRET_LENGTH = 32;

const Payload = z.strictObject({ v: z.literal(1), r: z.string().regex(/^[^/\s]+\/[^/\s]+$/).max(200), e: z.number().int().positive() });
type Payload = z.infer<typeof Payload>;

export type TokenCheck =
  | { ok: true; repo: string; expiresAt: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'forged' | 'expired' | 'other-repository'; message: string };

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * The expiry is rounded up to the next UTC midnight: every link made the same day is identical, so
 * a PR body rendered twice in a day keeps its content hash and is not rewritten (app/vcs/pr.ts).
 */
export function createToken(secret: string, repo: string, nowSeconds: number, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS): string {
  const expires = Math.ceil((nowSeconds + ttlSeconds) / 86_400) * 86_400;
  const payload = Buffer.from(JSON.stringify({ v: 1, r: repo, e: expires } satisfies Payload)).toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

/** Checks signature (constant time), expiry and scope. The messages are shown on the 403 page. */
export function verifyToken(secret: string, token: string | null | undefined, repo: string, nowSeconds: number): TokenCheck {
  if (!token) return { ok: false, reason: 'missing', message: 'This page needs an access link: open it from the check run, the pull request, Slack or PagerDuty (the link carries a signed token).' };
  const parts = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) {
    return { ok: false, reason: 'malformed', message: 'The access token in this link is not in the expected form; copy the whole link again.' };
  }
  const given = Buffer.from(parts[1]!, 'base64url');
  const expected = sign(secret, parts[0]!);
  // Length first (timingSafeEqual throws on different lengths); the length of a SHA-256 MAC is public.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'forged', message: 'The access token in this link was not signed by this server (forged, altered, or signed with a secret that has since been rotated).' };
  }
  let payload: Payload;
  try {
    payload = Payload.parse(JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed', message: 'The access token in this link has a payload this server cannot read; ask for a new link.' };
  }
  if (payload.e <= nowSeconds) {
    return { ok: false, reason: 'expired', message: `This link expired at ${new Date(payload.e * 1000).toISOString()}; open the page again from the check run or ask for a new link.` };
  }
  if (payload.r.toLowerCase() !== repo.toLowerCase()) {
    return { ok: false, reason: 'other-repository', message: `This link grants access to ${payload.r}, not to ${repo}.` };
  }
  return { ok: true, repo: payload.r, expiresAt: payload.e };
}
