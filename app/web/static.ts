/**
 * The built UI (Vite output in dist/web, shipped in the npm package under "dist") served as
 * static files, with the security headers every /ui response carries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponse } from '../server/http.js';

/**
 * No inline scripts or styles anywhere (React sets styles through the CSSOM, which CSP allows);
 * no framing (clickjacking an Approve button); tokens travel in URLs, so never send a Referer.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** dist/web from the source tree (app/web) and from the compiled package (dist/app/web) alike. */
export function findWebRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'dist', 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  return null;
}

export interface StaticSite {
  root: string;
  /** index.html: the shell of every page. */
  index: string;
  /** The stylesheet link of the built shell, reused by the server-rendered 403 page. */
  stylesheet: string | null;
  asset(path: string): Promise<HttpResponse>;
}

export function loadStaticSite(root: string): StaticSite {
  const index = readFileSync(join(root, 'index.html'), 'utf8');
  const stylesheet = /<link rel="stylesheet"[^>]*href="([^"]+)"/.exec(index)?.[1] ?? null;
  return {
    root,
    index,
    stylesheet,
    async asset(path) {
      // `path` is below /ui/_assets/; refuse anything that normalises outside the assets folder.
      const relative = normalize(decodeURIComponentSafe(path)).replace(/^([/\\])+/, '');
      const file = join(root, '_assets', relative);
      if (relative.includes('\0') || !file.startsWith(join(root, '_assets') + sep)) return notFound();
      const type = TYPES[extname(file)];
      if (!type) return notFound();
      try {
        const body = await readFile(file);
        // File names carry a content hash (Vite), so they never change: cache for a year.
        return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' }, body };
      } catch {
        return notFound();
      }
    },
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '\0';
  }
}

function notFound(): HttpResponse {
  return { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }, body: 'not found' };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A server-rendered page (403, 404, 503): no script, so it works even when the bundle does not load. */
export function messagePage(status: number, title: string, message: string, stylesheet: string | null): HttpResponse {
  const css = stylesheet ? `<link rel="stylesheet" href="${escapeHtml(stylesheet)}">` : '';
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · SLO-Scout</title>${css}</head>
<body class="bg-slate-50 text-slate-900"><main class="mx-auto max-w-xl p-8"><p class="text-sm font-semibold text-slate-600">SLO-Scout · ${status}</p>
<h1 class="mt-2 text-2xl font-bold" data-testid="error-title">${escapeHtml(title)}</h1><p class="mt-4" data-testid="error-reason">${escapeHtml(message)}</p></main></body></html>
`;
  return { status, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body };
}
