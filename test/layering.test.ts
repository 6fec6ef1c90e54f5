import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';

// Dependencies point one way: app/core <- adapters/services <- CLI and worker processors.
// Ports (queue names, job payloads, the Engine interface) live in app/, so nothing in app/
// reaches up into workers/, except the CLI, which is the top layer that starts the workers.
const ROOT = resolve(import.meta.dirname, '..');
const APP = join(ROOT, 'app');
const WORKERS = join(ROOT, 'workers');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

function relativeImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:import|export)[^'"]*?from\s*['"](\.[^'"]+)['"]/g), ...src.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => resolve(dirname(file), m[1]!));
}

describe('layering', () => {
  const files = walk(APP).filter((f) => !f.startsWith(join(APP, 'cli')) && f !== join(APP, 'cli.ts') && f !== join(APP, 'bin.ts'));
  it.each(files.map((f) => [relative(ROOT, f), f]))('%s does not import workers/', (_n, file) => {
    for (const target of relativeImports(file)) {
      expect(target.startsWith(WORKERS + '/'), `${relative(ROOT, file)} imports ${relative(ROOT, target)}; move the port into app/ instead`).toBe(false);
    }
  });
});
