/**
 * Worker errors -> queue behaviour (bullmq going-to-production guide): permanent problems are
 * UnrecoverableError (no retry, the user must fix something), transient ones are rethrown so
 * `attempts` + exponential backoff retry them. GitHub rate limits are transient.
 */
import { UnrecoverableError } from 'bullmq';
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

export function classify(err: unknown): ErrorKind {
  if (err instanceof UnrecoverableError || err instanceof UserInputError) return 'permanent';
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
  if (status === 401 || status === 403) return `GitHub refused the request (${status}: ${msg}). Check that the SLO-Scout app is still installed on this repository with the permissions listed in app.yml.`;
  if (status === 404) return `Not found (${msg}). The repository, branch or file may have been deleted or renamed; run \`/slo-scout rerun\` after fixing it.`;
  return msg;
}
