/**
 * What a repository says about its endpoints, read from files it already has: Backstage
 * `catalog-info.yaml` (component tier, lifecycle, owner, tags), OpenAPI documents (operation
 * summaries, tags, `x-criticality`) and CODEOWNERS (owning teams). Everything is repository-controlled
 * and therefore hostile: sizes are capped, YAML aliases bounded, unknown shapes ignored.
 */
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { labelFromWord } from '../core/criticality/index.js';
import type { CriticalityLabel } from '../config/ai.js';

export const MAX_HINT_FILE_BYTES = 2 * 1024 * 1024;
const MAX_OPERATIONS = 5_000;

export interface ServiceHint { label?: CriticalityLabel; labelFrom?: string; owner?: string; tags: string[] }
export interface OperationHint { method: string; route: string; summary?: string; tags: string[]; label?: CriticalityLabel }

export interface RepoHints {
  services: Map<string, ServiceHint>;
  /** Keyed by "METHOD route" (route as written in the OpenAPI paths, e.g. /orders/{id}). */
  operations: Map<string, OperationHint>;
  owners: Array<{ pattern: string; owners: string[] }>;
  /** Problems found, each "file: what" (shown, never fatal). */
  problems: string[];
}

export function emptyHints(): RepoHints {
  return { services: new Map(), operations: new Map(), owners: [], problems: [] };
}

const BackstageEntity = z.object({
  kind: z.string(),
  metadata: z.object({
    name: z.string(),
    tags: z.array(z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }).loose(),
  spec: z.object({ tier: z.union([z.string(), z.number()]).optional(), lifecycle: z.string().optional(), owner: z.string().optional() }).loose().optional(),
}).loose();

/** Backstage catalog-info.yaml (may hold several `---` documents). */
export function readCatalogInfo(hints: RepoHints, text: string, file: string): void {
  if (text.length > MAX_HINT_FILE_BYTES) return void hints.problems.push(`${file}: larger than ${MAX_HINT_FILE_BYTES} bytes, ignored`);
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch (err) {
    return void hints.problems.push(`${file}: not YAML (${(err as Error).message})`);
  }
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const e = BackstageEntity.safeParse(doc.toJS({ maxAliasCount: 100 }));
    if (!e.success || !['Component', 'API', 'System'].includes(e.data.kind)) continue;
    const m = e.data.metadata;
    const tierWord = m.annotations?.['slo-scout.io/criticality'] ?? m.labels?.['tier'] ?? m.labels?.['criticality'] ?? (e.data.spec?.tier !== undefined ? String(e.data.spec.tier) : undefined);
    const tier = labelFromWord(tierWord === undefined ? undefined : /^\d$/.test(tierWord) ? `tier-${tierWord}` : tierWord);
    const lifecycle = e.data.spec?.lifecycle === 'experimental' ? 'low' as const : undefined;
    const label = tier ?? lifecycle;
    hints.services.set(m.name, {
      ...(label ? { label, labelFrom: tier ? `${file}: ${m.name} tier "${tierWord}"` : `${file}: ${m.name} lifecycle experimental` } : {}),
      ...(e.data.spec?.owner ? { owner: e.data.spec.owner } : {}),
      tags: (m.tags ?? []).slice(0, 20),
    });
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** OpenAPI 3.x / Swagger 2 (YAML or JSON): operation summary, description head, tags, x-criticality. */
export function readOpenApi(hints: RepoHints, text: string, file: string): void {
  if (text.length > MAX_HINT_FILE_BYTES) return void hints.problems.push(`${file}: larger than ${MAX_HINT_FILE_BYTES} bytes, ignored`);
  let doc: unknown;
  try {
    doc = parseAllDocuments(text)[0]?.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return void hints.problems.push(`${file}: not YAML/JSON (${(err as Error).message})`);
  }
  const paths = (doc as { paths?: unknown } | undefined)?.paths;
  if (!paths || typeof paths !== 'object') return;
  let n = 0;
  for (const [route, item] of Object.entries(paths as Record<string, unknown>)) {
    if (!item || typeof item !== 'object') continue;
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as Record<string, unknown> | undefined;
      if (!op || typeof op !== 'object') continue;
      if (++n > MAX_OPERATIONS) return void hints.problems.push(`${file}: more than ${MAX_OPERATIONS} operations, the rest ignored`);
      const summary = [op['summary'], typeof op['description'] === 'string' ? (op['description'] as string).split('\n')[0] : undefined]
        .filter((s): s is string => typeof s === 'string' && s.length > 0).join('. ').slice(0, 300);
      const tags = Array.isArray(op['tags']) ? (op['tags'] as unknown[]).filter((t): t is string => typeof t === 'string').slice(0, 10) : [];
      const label = labelFromWord(typeof op['x-criticality'] === 'string' ? (op['x-criticality'] as string) : undefined);
      hints.operations.set(`${method.toUpperCase()} ${route}`, { method: method.toUpperCase(), route, ...(summary ? { summary } : {}), tags, ...(label ? { label } : {}) });
    }
  }
}

/** CODEOWNERS: "pattern @owner @org/team" lines; the last matching line wins, as on GitHub. */
export function readCodeowners(hints: RepoHints, text: string): void {
  for (const line of text.slice(0, MAX_HINT_FILE_BYTES).split('\n').slice(0, 5_000)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [pattern, ...owners] = t.split(/\s+/);
    if (pattern && owners.length) hints.owners.push({ pattern, owners: owners.slice(0, 10) });
  }
}

/** Owners of a service by CODEOWNERS, matched on a path segment equal to the service name. */
export function ownersOf(hints: RepoHints, service: string): string[] {
  let found: string[] = [];
  for (const o of hints.owners) {
    if (o.pattern.split('/').some((seg) => seg === service)) found = o.owners;
  }
  return found;
}
