/**
 * Which environment variables a `.slo-scout.yml` may name in `{ env: VAR }`.
 *
 * A repository's config is written by whoever can push to its default branch, while the worker's
 * environment holds the operator's secrets (WEBHOOK_SECRET, GITLAB_TOKEN, DATABASE_URL ...). So a
 * config may only reach variables the operator set aside for datasources: the `SLO_SCOUT_DS_`
 * prefix, plus names and prefixes listed in SLO_SCOUT_CONFIG_ENV_ALLOW. The worker hands the
 * engine a copy of the environment that holds nothing else (`scopedEnv`), so even a reference
 * that slipped past the check cannot resolve to an operator secret.
 */
import { z } from 'zod';
import { EnvRef } from '../core/policy/schema.js';
import { SecretRef } from './secret.js';

export const DEFAULT_CONFIG_ENV_PREFIX = 'SLO_SCOUT_DS_';

export const ConfigEnvPolicy = z.object({
  /** Any variable may be named: only for the CLI on the user's own config (`--trust-config-env`). */
  any: z.boolean(),
  names: z.array(z.string()),
  prefixes: z.array(z.string()),
});
export type ConfigEnvPolicy = z.infer<typeof ConfigEnvPolicy>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

export class ConfigEnvPolicyError extends Error {}

/**
 * SLO_SCOUT_CONFIG_ENV_ALLOW: comma-separated names (`PROM_TOKEN`) and prefixes (`TEAM_A_*`).
 * The default prefix SLO_SCOUT_DS_ is always allowed. A bare `*` is refused: that would hand
 * every repository the operator's secrets.
 */
export function configEnvPolicyFromEnv(allow: string | undefined): ConfigEnvPolicy {
  const policy: ConfigEnvPolicy = { any: false, names: [], prefixes: [DEFAULT_CONFIG_ENV_PREFIX] };
  for (const raw of (allow ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry === '*' || !NAME.test(entry)) {
      throw new ConfigEnvPolicyError(`SLO_SCOUT_CONFIG_ENV_ALLOW: "${entry}" is not a variable name or a prefix ending in * (e.g. PROM_TOKEN,TEAM_A_*); a bare * would let every repository read every secret of the worker`);
    }
    if (entry.endsWith('*')) policy.prefixes.push(entry.slice(0, -1));
    else policy.names.push(entry);
  }
  return policy;
}

export const PERMISSIVE_ENV_POLICY: ConfigEnvPolicy = { any: true, names: [], prefixes: [] };

export function envNameAllowed(policy: ConfigEnvPolicy, name: string): boolean {
  return policy.any || policy.names.includes(name) || policy.prefixes.some((p) => p !== '' && name.startsWith(p));
}

/** Only the variables the policy allows: what repository-controlled code gets to see. */
export function scopedEnv(env: Record<string, string | undefined>, policy: ConfigEnvPolicy): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => envNameAllowed(policy, k)));
}

export function describePolicy(policy: ConfigEnvPolicy): string {
  if (policy.any) return 'any variable';
  return [...policy.prefixes.map((p) => `${p}*`), ...policy.names].join(', ');
}

export interface EnvRefProblem {
  path: Array<string | number>;
  message: string;
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; element?: z.ZodType; valueType?: z.ZodType; in?: z.ZodType; out?: z.ZodType };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * Every `{ env: VAR }` at a SecretRef position of `data` (walked alongside the zod schema, so a
 * label matcher that happens to be called `env` is not mistaken for a secret) that the policy
 * refuses. New SecretRef fields other areas add are covered without listing them here.
 */
export function disallowedEnvRefs(schema: z.ZodType, data: unknown, policy: ConfigEnvPolicy): EnvRefProblem[] {
  const out: EnvRefProblem[] = [];
  const walk = (s: z.ZodType, v: unknown, path: Array<string | number>, depth: number): void => {
    if (depth > 40 || v === undefined || v === null) return;
    if (s === (SecretRef as z.ZodType) || s === (EnvRef as z.ZodType)) {
      if (typeof v === 'object' && typeof (v as { env?: unknown }).env === 'string') {
        const name = (v as { env: string }).env;
        if (!envNameAllowed(policy, name)) {
          out.push({
            path,
            message: `${path.join('.')}: environment variable ${name} may not be read by a repository's config (allowed: ${describePolicy(policy)}). Ask the operator to put this secret in a variable named ${DEFAULT_CONFIG_ENV_PREFIX}<NAME> (or to add ${name} to SLO_SCOUT_CONFIG_ENV_ALLOW) and reference that name here`,
          });
        }
      }
      return;
    }
    const d = defOf(s);
    switch (d.type) {
      case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
        if (d.innerType) walk(d.innerType, v, path, depth + 1);
        return;
      case 'pipe':
        if (d.in) walk(d.in, v, path, depth + 1);
        return;
      case 'object':
        if (typeof v === 'object' && d.shape) for (const [k, sub] of Object.entries(d.shape)) walk(sub, (v as Record<string, unknown>)[k], [...path, k], depth + 1);
        return;
      case 'union':
        // The first option the value fits decides (the same one zod chose when parsing).
        for (const o of d.options ?? []) if (o.safeParse(v).success) return walk(o, v, path, depth + 1);
        return;
      case 'array':
        if (Array.isArray(v) && d.element) v.forEach((item, i) => walk(d.element!, item, [...path, i], depth + 1));
        return;
      case 'record':
        if (typeof v === 'object' && d.valueType) for (const [k, item] of Object.entries(v as Record<string, unknown>)) walk(d.valueType, item, [...path, k], depth + 1);
        return;
      default:
        return;
    }
  };
  walk(schema, data, [], 0);
  return out;
}
