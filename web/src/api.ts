// Calls to /ui/api/*: the token from the page URL goes in the Authorization header, and every
// response is parsed with the same zod schema the server used to build it.
import type { z } from 'zod';
import { ApiError, EvaluationView, Overview, SloDetail, WhatIfResponse, type WhatIfRequest } from '../../app/web/schema';

export const token = new URLSearchParams(window.location.search).get('t') ?? '';

export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function call<T extends z.ZodType>(schema: T, path: string, params: Record<string, string>, init: RequestInit = {}, signal?: AbortSignal): Promise<z.infer<T>> {
  const res = await fetch(`/ui/api/${path}?${new URLSearchParams(params)}`, {
    ...init, signal, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = ApiError.safeParse(body);
    throw new ApiFailure(res.status, err.success ? err.data.error : `the server answered ${res.status}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiFailure(500, `unexpected response from /ui/api/${path}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export const api = {
  overview: (repo: string) => call(Overview, 'overview', { repo }),
  slo: (repo: string, slo: string) => call(SloDetail, 'slo', { repo, slo }),
  whatIf: (repo: string, request: WhatIfRequest, signal?: AbortSignal) =>
    call(WhatIfResponse, 'what-if', { repo }, { method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json' } }, signal),
  evaluation: (repo: string, pr: number, sha?: string) => call(EvaluationView, 'evaluation', { repo, pr: String(pr), ...(sha ? { sha } : {}) }),
};

/** Links between pages keep the token (each page load is checked by the server). */
export function pageUrl(repo: string, rest = ''): string {
  return `/ui/${repo}${rest}?t=${encodeURIComponent(token)}`;
}
