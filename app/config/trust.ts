/**
 * How far a config file is trusted. A repository's `.slo-scout.yml` in the worker is hostile
 * input: it may name only the environment variables the operator allows and only hosts the
 * outbound policy allows (docs/security.md). The checks run after the schema passed, so each
 * problem is reported at the file:line:col of its field.
 */
import type { z } from 'zod';
import { urlRefusal, type OutboundPolicy } from '../telemetry/outbound.js';
import { configEnvPolicyFromEnv, disallowedEnvRefs, type ConfigEnvPolicy } from './env-policy.js';
import type { PostCheck, PostCheckProblem } from './loader.js';

export interface ConfigTrust {
  /** Which `{ env: VAR }` names resolve; default: only SLO_SCOUT_DS_* (never the whole environment). */
  env?: ConfigEnvPolicy;
  /** When set, datasource / Tempo / Grafana URLs are checked against it before anything connects. */
  outbound?: OutboundPolicy;
}

const URL_FIELDS: Array<[string, string]> = [['prometheus', 'url'], ['tempo', 'url'], ['grafana', 'url']];

export function trustCheck(schema: z.ZodType, trust: ConfigTrust): PostCheck {
  const env = trust.env ?? configEnvPolicyFromEnv(undefined);
  return (data) => {
    const problems: PostCheckProblem[] = disallowedEnvRefs(schema, data, env);
    const ds = (data as { datasources?: Record<string, { url?: unknown } | undefined> } | null)?.datasources;
    if (trust.outbound && ds && typeof ds === 'object') {
      for (const [name, field] of URL_FIELDS) {
        const url = ds[name]?.url;
        if (typeof url !== 'string') continue;
        const why = urlRefusal(trust.outbound, url);
        if (why) problems.push({ path: ['datasources', name, field], message: `datasources.${name}.${field}: ${why}` });
      }
    }
    return problems;
  };
}
