/**
 * Worker errors -> queue behaviour (bullmq going-to-production guide): permanent problems are
 * UnrecoverableError (no retry, the user must fix something), transient ones are rethrown so
 * `attempts` + exponential backoff retry them. GitHub rate limits are transient.
 */
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { UserInputError } from '../app/ports.js';

function httpStatus(err: unknown): number | undefined {
  const s = typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : NaN;
  return Number.isFinite(s) ? s : undefined;
}

function isRateLimit(err: unknown, status: number | undefined): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  const headers = (err as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
  return headers['x-ratelimit-remaining'] === '0' || 'retry-after' in headers || /rate limit/i.test((err as Error).message);
}

export type ErrorKind = 'permanent' | 'transient';

/**
 * Node's fetch (undici) reports a network failure as a TypeError: "fetch failed" with the socket
 * error as `cause` (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT...), "terminated" when a body breaks off.
 * Those are the network's fault and worth a retry, unlike every other TypeError.
 */
function isNetworkTypeError(err: Error): boolean {
  if (err.message === 'fetch failed' || err.message === 'terminated') return true;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code);
}

/**
 * A bug in our code: a TypeError, ReferenceError or RangeError thrown by it, or a zod schema
 * refusing data we built or stored. It fails the same way on every attempt, so retrying only
 * hides it from the user for the whole backoff (~1 min) before the same failure is reported.
 */
export function isProgrammingError(err: unknown): err is Error {
  if (err instanceof z.ZodError) return true;
  if (!(err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError)) return false;
  return !isNetworkTypeError(err);
}

export function classify(err: unknown): ErrorKind {
  if (err instanceof UnrecoverableError || err instanceof UserInputError) return 'permanent';
  if (isProgrammingError(err)) return 'permanent';
  // Errors that know they will not fix themselves on retry (a GitHub reply of the wrong shape).
  if ((err as { permanent?: unknown } | null)?.permanent === true) return 'permanent';
  const status = httpStatus(err);
  if (status === undefined) return 'transient'; // network errors, Redis/PG blips
  if (isRateLimit(err, status)) return 'transient';
  // 401/403: the installation lost access; 404: repo or file gone; 409/422: the request itself is wrong.
  if ([400, 401, 403, 404, 409, 410, 422].includes(status)) return 'permanent';
  return 'transient';
}

/** A one-line explanation of a permanent error for the PR comment: what went wrong and how to fix it. */
export function explainPermanent(err: unknown): string {
  const status = httpStatus(err);
  const msg = (err as Error).message ?? String(err);
  if (isProgrammingError(err)) return `internal error in SLO-Scout (${err.name}: ${msg}); retrying would fail the same way, the worker log has the stack`;
  if (status === 401 || status === 403) return `GitHub refused the request (${status}: ${msg}). Check that the SLO-Scout app is still installed on this repository with the permissions listed in app.yml.`;
  if (status === 404) return `Not found (${msg}). The repository, branch or file may have been deleted or renamed; run \`/slo-scout rerun\` after fixing it.`;
  return msg;
}
