// The same URL grammar the server checks tokens against (app/web/routes.ts).
export type Route =
  | { page: 'overview'; repo: string }
  | { page: 'slo' | 'what-if'; repo: string; sloId: string }
  | { page: 'pull'; repo: string; pr: number; sha?: string };

const PAGE = /^\/ui\/([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})(?:\/(slo|what-if)\/([^/]{1,300})|\/pull\/(\d{1,9})(?:\/([0-9a-fA-F]{7,64}))?)?\/?$/;

export function route(path: string): Route | null {
  const m = PAGE.exec(path);
  if (!m) return null;
  const repo = `${m[1]}/${m[2]}`;
  if (m[3] === 'slo' || m[3] === 'what-if') return { page: m[3], repo, sloId: decodeURIComponent(m[4]!) };
  if (m[5]) return { page: 'pull', repo, pr: Number(m[5]), ...(m[6] ? { sha: m[6] } : {}) };
  return { page: 'overview', repo };
}
