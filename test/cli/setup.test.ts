import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runManifestFlow } from '../../app/cli/setup.js';
import { readPrivateKey } from '../../app/config/env.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----\n';

beforeEach(setupHttpMock);
afterEach(() => {
  assertHttpMocksDone();
  teardownHttpMock();
});

/** Plays the browser and GitHub: loads the local page, reads the form, then follows GitHub's redirect. */
async function startFlow(options: { org?: string; webhookUrl?: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'setup-'));
  const envPath = join(dir, '.env');
  await writeFile(envPath, 'DATABASE_URL=postgres://localhost/x\nAPP_ID=1\n');
  let ready!: (url: string) => void;
  const url = new Promise<string>((r) => { ready = r; });
  const done = runManifestFlow({ envPath, githubUrl: 'https://github.com', apiUrl: 'https://api.github.com', onReady: ready, ...options });
  const local = await url;
  const page = await (await fetch(local)).text();
  const action = /action="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
  const manifest = JSON.parse(/name="manifest" value="([^"]+)"/.exec(page)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Record<string, unknown>;
  return { envPath, done, local, action, manifest };
}

describe('slo-scout setup (GitHub App manifest flow)', () => {
  it('posts app.yml as the manifest, converts the code GitHub returns and writes the credentials to .env with mode 0600', async () => {
    const { envPath, done, local, action, manifest } = await startFlow({ org: 'acme', webhookUrl: 'https://slo.acme.dev/api/github/webhooks' });
    const appYml = parse(await readFile(join(import.meta.dirname, '..', '..', 'app.yml'), 'utf8')) as { default_permissions: object; default_events: string[] };
    expect(action).toMatch(/^https:\/\/github\.com\/organizations\/acme\/settings\/apps\/new\?state=[0-9a-f]{32}$/);
    expect(manifest.default_permissions).toEqual(appYml.default_permissions);
    expect(manifest.default_events).toEqual(appYml.default_events);
    expect(manifest.redirect_url).toBe(`${local}callback`);
    expect(manifest.hook_attributes).toEqual({ url: 'https://slo.acme.dev/api/github/webhooks' });

    nock('https://api.github.com').post('/app-manifests/abc123/conversions').reply(201, {
      id: 4242, slug: 'slo-scout-acme', html_url: 'https://github.com/apps/slo-scout-acme', client_id: 'Iv1.x', client_secret: 'cs', webhook_secret: 'whs', pem: PEM,
    });
    const state = new URL(action).searchParams.get('state')!;
    const callback = await fetch(`${local}callback?code=abc123&state=${state}`);
    expect(callback.status).toBe(200);
    expect(await done).toEqual({ appId: 4242, installUrl: 'https://github.com/apps/slo-scout-acme/installations/new' });

    const env = await readFile(envPath, 'utf8');
    expect(env).toContain('DATABASE_URL=postgres://localhost/x');
    expect(env.match(/^APP_ID=/gm)).toHaveLength(1);
    expect(env).toContain('APP_ID="4242"');
    expect(env).toContain('WEBHOOK_SECRET="whs"');
    expect(env).toContain('GITHUB_CLIENT_ID="Iv1.x"');
    expect((await stat(envPath)).mode & 0o777).toBe(0o600);
    // The key round-trips through the env schema's reader.
    const key = /^PRIVATE_KEY="(.*)"$/m.exec(env)![1]!;
    expect(readPrivateKey({ PRIVATE_KEY: key } as never)).toBe(PEM);
  });

  it('a callback with the wrong state is refused and nothing is converted', async () => {
    const { done, local } = await startFlow({});
    const settled = done.then(() => null, (err: Error) => err);
    const bad = await fetch(`${local}callback?code=abc123&state=forged`);
    expect(bad.status).toBe(400);
    // GitHub refusing the code (expired) ends the flow with an error that says what to do.
    nock('https://api.github.com').post('/app-manifests/old/conversions').reply(404, { message: 'Not Found' });
    const state = new URL((/action="([^"]+)"/.exec(await (await fetch(local)).text())![1]!).replace(/&amp;/g, '&')).searchParams.get('state');
    await fetch(`${local}callback?code=old&state=${state}`);
    expect((await settled)?.message).toMatch(/codes expire after an hour.*run slo-scout setup again/);
  });
});
