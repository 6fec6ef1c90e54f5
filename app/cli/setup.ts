/**
 * `slo-scout setup`: register the GitHub App from app.yml with GitHub's manifest flow
 * (docs.github.com: "Registering a GitHub App from a manifest"). A local server on a free port
 * serves a page that POSTs the manifest to GitHub; GitHub redirects back with a one-hour code,
 * which POST /app-manifests/{code}/conversions turns into the app's id, key and secrets; those go
 * into .env (mode 0600). Nothing secret is printed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { z } from 'zod';
import { CliError } from './errors.js';
import { examples } from './examples.js';

const APP_YML = join(import.meta.dirname, '..', '..', ...(import.meta.dirname.includes('/dist/') ? ['..'] : []), 'app.yml');

/** The conversion reply fields we use (GitHub REST: "Create a GitHub App from a manifest"). */
export const ManifestConversion = z.object({
  id: z.number().int().positive(),
  slug: z.string().optional(),
  html_url: z.string().optional(),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  webhook_secret: z.string().nullable().optional(),
  pem: z.string().includes('PRIVATE KEY'),
});
export type ManifestConversion = z.infer<typeof ManifestConversion>;

/** app.yml as a manifest with this run's redirect URL (and webhook URL when given). */
export function buildManifest(appYml: string, redirectUrl: string, webhookUrl?: string): Record<string, unknown> {
  const manifest = parse(appYml) as Record<string, unknown>;
  manifest.redirect_url = redirectUrl;
  if (webhookUrl) manifest.hook_attributes = { ...(manifest.hook_attributes as object | undefined), url: webhookUrl };
  return manifest;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Values for .env: double-quoted, newlines as \n (env.ts and Node's --env-file both read that). */
function envLine(key: string, value: string): string {
  return `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** Writes the keys into .env, replacing earlier values of the same keys and keeping other lines. */
export async function writeEnv(path: string, values: Record<string, string>): Promise<void> {
  const old = await readFile(path, 'utf8').catch(() => '');
  const kept = old.split('\n').filter((l) => l.trim() !== '' && !Object.keys(values).some((k) => l.startsWith(`${k}=`)));
  await writeFile(path, `${[...kept, ...Object.entries(values).map(([k, v]) => envLine(k, v))].join('\n')}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // an existing file keeps its mode on write
}

export interface SetupOptions {
  envPath: string;
  org?: string;
  webhookUrl?: string;
  /** https://github.com, or the GHES root. */
  githubUrl: string;
  /** https://api.github.com, or https://HOST/api/v3. */
  apiUrl: string;
  port?: number;
  /** Called with the local URL to open in a browser. */
  onReady: (url: string) => void;
  timeoutMs?: number;
}

/** Runs the flow to the end: resolves with the app's id and install URL once .env is written. */
export async function runManifestFlow(options: SetupOptions): Promise<{ appId: number; installUrl?: string }> {
  const state = randomBytes(16).toString('hex');
  const appYml = await readFile(APP_YML, 'utf8');
  let server: Server | undefined;
  const result = new Promise<{ appId: number; installUrl?: string }>((resolve, reject) => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const base = `http://localhost:${(server!.address() as { port: number }).port}`;
      if (url.pathname === '/') {
        const manifest = buildManifest(appYml, `${base}/callback`, options.webhookUrl);
        const target = `${options.githubUrl}${options.org ? `/organizations/${encodeURIComponent(options.org)}` : ''}/settings/apps/new?state=${state}`;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>SLO-Scout setup</title><form method="post" action="${escapeHtml(target)}"><input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}"><p>Register the SLO-Scout GitHub App${options.org ? ` for ${escapeHtml(options.org)}` : ''}.</p><button type="submit">Create the GitHub App</button></form><script>document.forms[0].submit()</script>`);
        return;
      }
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      const code = url.searchParams.get('code') ?? '';
      if (url.searchParams.get('state') !== state || !/^[A-Za-z0-9_-]{1,100}$/.test(code)) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('state or code missing or wrong: start again with slo-scout setup');
        return;
      }
      void (async () => {
        try {
          const reply = await fetch(`${options.apiUrl}/app-manifests/${code}/conversions`, { method: 'POST', headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }, signal: AbortSignal.timeout(30_000) });
          const text = (await reply.text()).slice(0, 100_000);
          if (!reply.ok) throw new CliError(`GitHub refused the manifest code (HTTP ${reply.status}): codes expire after an hour and work once; run slo-scout setup again`);
          const app = ManifestConversion.parse(JSON.parse(text));
          await writeEnv(options.envPath, {
            APP_ID: String(app.id),
            PRIVATE_KEY: app.pem,
            ...(app.webhook_secret ? { WEBHOOK_SECRET: app.webhook_secret } : {}),
            GITHUB_CLIENT_ID: app.client_id,
            GITHUB_CLIENT_SECRET: app.client_secret,
          });
          const installUrl = app.html_url ? `${app.html_url}/installations/new` : undefined;
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(`<!doctype html><title>SLO-Scout setup</title><p>App ${escapeHtml(app.slug ?? String(app.id))} created; credentials written to ${escapeHtml(options.envPath)}.</p>${installUrl ? `<p><a href="${escapeHtml(installUrl)}">Install it on your repositories</a></p>` : ''}`);
          resolve({ appId: app.id, ...(installUrl ? { installUrl } : {}) });
        } catch (err) {
          res.writeHead(502, { 'content-type': 'text/plain' }).end('conversion failed; see the terminal');
          reject(err instanceof CliError ? err : new CliError(`could not convert the manifest code: ${(err as Error).message}`));
        }
      })();
    });
    server.on('error', (err) => reject(new CliError(`cannot start the local setup server: ${err.message}`)));
    server.listen(options.port ?? 0, '127.0.0.1', () => options.onReady(`http://localhost:${(server!.address() as { port: number }).port}/`));
  });
  const timer = setTimeout(() => server?.emit('error', new Error('timed out waiting for GitHub to redirect back (run slo-scout setup again)')), options.timeoutMs ?? 15 * 60_000);
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    server?.close();
  }
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    spawn(cmd, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  } catch { /* the URL is printed anyway */ }
}

export function register(program: Command): void {
  program
    .command('setup')
    .description('Register the GitHub App from app.yml (GitHub\'s manifest flow) and write APP_ID, PRIVATE_KEY, WEBHOOK_SECRET and the client id/secret to .env')
    .addHelpText('after', examples('setup'))
    .option('--org <org>', 'create the app under this organization instead of your user')
    .option('--webhook-url <url>', 'public URL of /api/github/webhooks (default: app.yml hook_attributes.url)')
    .option('--env-file <path>', 'where to write the credentials', '.env')
    .option('--port <port>', 'local port for the redirect (default: a free one)')
    .option('--no-open', 'print the URL instead of opening a browser')
    .action(async (flags: { org?: string; webhookUrl?: string; envFile: string; port?: string; open: boolean }) => {
      const ghe = process.env.GHE_HOST;
      const proto = process.env.GHE_PROTOCOL ?? 'https';
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new CliError(`--port ${flags.port}: a port number 0-65535`, 2);
      const done = await runManifestFlow({
        envPath: flags.envFile,
        ...(flags.org ? { org: flags.org } : {}),
        ...(flags.webhookUrl ? { webhookUrl: flags.webhookUrl } : {}),
        githubUrl: ghe ? `${proto}://${ghe}` : 'https://github.com',
        apiUrl: ghe ? `${proto}://${ghe}/api/v3` : 'https://api.github.com',
        ...(port !== undefined ? { port } : {}),
        onReady: (url) => {
          process.stderr.write(`Open ${url} to create the GitHub App (waiting for GitHub to redirect back)...\n`);
          if (flags.open) openBrowser(url);
        },
      });
      process.stdout.write(`GitHub App ${done.appId} created; credentials written to ${flags.envFile} (mode 0600).\n${done.installUrl ? `Install it: ${done.installUrl}\n` : ''}Then: node --env-file=${flags.envFile} dist/app/bin.js serve\n`);
    });
}
