/**
 * The criticality exemplar catalog: templates/criticality/exemplars.yaml (shipped) plus the config's
 * `ai.criticality.exemplars`. Entries are "service METHOD /route" strings under a label key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CriticalityExemplar, CriticalityLabel } from '../config/ai.js';

const Entry = z.string().regex(/^\S+ [A-Z]{3,7} \/\S*$/, 'write "service METHOD /route", e.g. "payments POST /v1/charges"');
export const ExemplarFile = z.object({ critical: z.array(Entry).default([]), standard: z.array(Entry).default([]), low: z.array(Entry).default([]) }).strict();
export type ExemplarFile = z.infer<typeof ExemplarFile>;

export function parseExemplars(text: string, file: string): CriticalityExemplar[] {
  const parsed = ExemplarFile.safeParse(parse(text));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`${file}: ${i.path.join('.')}: ${i.message}`);
  }
  const out: CriticalityExemplar[] = [];
  for (const label of ['critical', 'standard', 'low'] as CriticalityLabel[]) {
    for (const e of parsed.data[label]) {
      const [service, method, route] = e.split(' ') as [string, string, string];
      out.push({ service, method, route, label });
    }
  }
  return out;
}

function catalogPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'templates', 'criticality', 'exemplars.yaml');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`templates/criticality/exemplars.yaml not found above ${fileURLToPath(import.meta.url)}; the package must ship its templates/ folder`);
}

let shipped: CriticalityExemplar[] | undefined;

/** The shipped catalog, read once per process. */
export function shippedExemplars(): CriticalityExemplar[] {
  if (!shipped) {
    const path = catalogPath();
    shipped = parseExemplars(readFileSync(path, 'utf8'), path);
  }
  return shipped;
}
