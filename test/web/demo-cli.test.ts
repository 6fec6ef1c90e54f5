/** `slo-scout serve --demo` as a newcomer runs it: no environment, prints signed links that open. */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGTERM');
});

describe('slo-scout serve --demo', () => {
  it('starts with no services, prints an overview link that opens and a tampered one that is refused', async () => {
    // A clean environment: no DATABASE_URL, no GitHub App, no secrets.
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'app', 'bin.ts'), 'serve', '--demo'], {
      cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const link = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no link printed within 90 s; stderr: ${err}`)), 90_000);
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /overview:\s+(http\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child!.once('exit', (code) => reject(new Error(`exited with ${code}; stderr: ${err}`)));
    });
    expect(out).toMatch(/Policy Guard PR:\s+http:\/\/127\.0\.0\.1:\d+\/ui\/demo\/fleet\/pull\/42\?t=/);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const t = new URL(link).searchParams.get('t')!;
    const api = await fetch(new URL('/ui/api/overview?repo=demo/fleet', link), { headers: { authorization: `Bearer ${t}` } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { slos: unknown[] }).slos.length).toBeGreaterThan(10);
    const tampered = await fetch(link.replace('/demo/fleet', '/demo/other'));
    expect(tampered.status).toBe(403);
  }, 120_000);
});
