/**
 * vitest globalSetup: the browser tests need the built UI (dist/web). On a clean clone, or when a
 * source of the bundle is newer than the build, run `vite build` once before any test file starts
 * (a few seconds); otherwise do nothing, so single-file runs stay fast.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILT = join(ROOT, 'dist', 'web', 'index.html');
/** Everything the bundle is made from: web/ and the app modules it imports (the API schemas and their types). */
const SOURCES = ['web', 'app/web/schema.ts', 'app/web/static.ts', 'app/core/report.ts', 'app/core/simulate/basis.ts', 'package-lock.json'];

function newest(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).filter((n) => n !== 'node_modules').map((n) => newest(join(path, n))));
}

export function webBuildIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  return SOURCES.some((s) => newest(join(ROOT, s)) > built);
}

export default function setup(): void {
  if (!webBuildIsStale()) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT, stdio: 'inherit',
    // vitest sets NODE_ENV=test, which would bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
