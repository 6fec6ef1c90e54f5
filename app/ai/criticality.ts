/**
 * Assigns critical / standard / low to each endpoint: config pins first, then what the repository
 * states (catalog-info tier, OpenAPI x-criticality), else the nearest labelled exemplars by
 * embedding. The embedding text is the service, route and what the repository says about the route
 * (OpenAPI summary and tags, catalog tags, CODEOWNERS team), so a route named /v2/x whose summary
 * says "Capture a card payment" lands near the payment exemplars.
 */
import type { Criticality } from '../core/ai-report.js';
import { endpointText, nearestLabel, type Exemplar } from '../core/criticality/index.js';
import type { CriticalityExemplar, CriticalitySettings } from '../config/ai.js';
import type { Embedder } from '../embeddings/index.js';
import { ownersOf, type OperationHint, type RepoHints } from './repo-hints.js';

export interface EndpointRef { service: string; endpoint: string | null }

export const endpointKey = (e: EndpointRef): string => `${e.service}\u0000${e.endpoint ?? ''}`;

const exemplarCache = new WeakMap<Embedder, Map<string, Exemplar[]>>();

/** Exemplar vectors, embedded once per embedder and exemplar list. */
export async function embedExemplars(embedder: Embedder, list: readonly CriticalityExemplar[]): Promise<Exemplar[]> {
  const key = list.map((e) => `${e.label}|${e.service}|${e.method ?? ''}|${e.route}`).join('\n');
  let byList = exemplarCache.get(embedder);
  if (!byList) exemplarCache.set(embedder, (byList = new Map()));
  const hit = byList.get(key);
  if (hit) return hit;
  const vectors = await embedder.embed(list.map((e) => endpointText({ service: e.service, route: e.route, method: e.method })));
  const out = list.map((e, i) => ({ ...e, vector: vectors[i]! }));
  byList.set(key, out);
  return out;
}

/** Operations of the OpenAPI documents whose path matches the route (`{id}` and `:id` alike). */
function operationsFor(hints: RepoHints, route: string | null): OperationHint[] {
  if (!route) return [];
  const norm = (r: string) => r.replace(/\{[^}]*\}|:[A-Za-z_]\w*/g, '{}').replace(/\/+$/, '');
  const want = norm(route);
  return [...hints.operations.values()].filter((o) => norm(o.route) === want);
}

export interface AssessInput {
  endpoints: readonly EndpointRef[];
  embedder: Embedder;
  settings: CriticalitySettings;
  exemplars: readonly CriticalityExemplar[];
  hints: RepoHints;
}

export async function assessCriticality(input: AssessInput): Promise<Map<string, Criticality>> {
  const out = new Map<string, Criticality>();
  const toEmbed: Array<{ ref: EndpointRef; text: string }> = [];
  for (const ref of input.endpoints) {
    const pinned = input.settings.services[ref.service]?.label;
    if (pinned) {
      out.set(endpointKey(ref), { label: pinned, score: 1, source: 'config', reason: `ai.criticality.services.${ref.service}.label in .slo-scout.yml`, neighbours: [] });
      continue;
    }
    const ops = operationsFor(input.hints, ref.endpoint);
    const stated = ops.find((o) => o.label);
    if (stated?.label) {
      out.set(endpointKey(ref), { label: stated.label, score: 1, source: 'openapi', reason: `x-criticality on ${stated.method} ${stated.route} in the OpenAPI document`, neighbours: [] });
      continue;
    }
    const svc = input.hints.services.get(ref.service);
    if (svc?.label) {
      out.set(endpointKey(ref), { label: svc.label, score: 1, source: 'catalog-info', reason: svc.labelFrom ?? 'catalog-info.yaml', neighbours: [] });
      continue;
    }
    const description = ops.map((o) => o.summary).filter(Boolean).join('. ');
    const tags = [...new Set([...ops.flatMap((o) => o.tags), ...(svc?.tags ?? []), ...ownersOf(input.hints, ref.service)])];
    toEmbed.push({ ref, text: endpointText({ service: ref.service, route: ref.endpoint, method: ops.length === 1 ? ops[0]!.method : undefined, description, tags }) });
  }
  if (toEmbed.length > 0) {
    const exemplars = await embedExemplars(input.embedder, input.exemplars);
    const vectors = await input.embedder.embed(toEmbed.map((t) => t.text));
    toEmbed.forEach((t, i) => out.set(endpointKey(t.ref), nearestLabel(vectors[i]!, exemplars)));
  }
  return out;
}
