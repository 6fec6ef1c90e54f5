import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';

// DESIGN.md: app/core imports nothing outside app/core; time, randomness and data come in as arguments.
const CORE = resolve(import.meta.dirname, '../../app/core');
const ALLOWED_PACKAGES = new Set(['zod', 'pure-rand', '@datadog/sketches-js']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('app/core stays pure', () => {
  const files = walk(CORE);
  it.each(files.map((f) => [relative(CORE, f), f]))('%s imports only app/core and pure packages', (_name, file) => {
    const src = readFileSync(file, 'utf8');
    const specs = [...src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g), ...src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        expect(target.startsWith(CORE), `${relative(CORE, file)} imports ${spec}, which is outside app/core`).toBe(true);
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        expect(ALLOWED_PACKAGES.has(pkg), `${relative(CORE, file)} imports package ${spec}; app/core allows only ${[...ALLOWED_PACKAGES].join(', ')}`).toBe(true);
      }
    }
    expect(src, 'no clock reads in app/core').not.toMatch(/\bDate\.now\(|new Date\(\s*\)/);
    expect(src, 'no unseeded randomness in app/core').not.toMatch(/Math\.random\(/);
  });
});
