/**
 * How much the CLI trusts the config it reads. By default it applies the same rule as the worker
 * to `{ env: VAR }` (only SLO_SCOUT_DS_* and SLO_SCOUT_CONFIG_ENV_ALLOW): the CLI often runs in CI
 * on a pull request's own `.slo-scout.yml`, next to the pipeline's secrets. Loopback and private
 * addresses stay open (a local Prometheus is the common case), link-local / metadata do not.
 * `--trust-config` is the explicit opt-out for a config the user wrote: any variable, any address.
 */
import { configEnvPolicyFromEnv, PERMISSIVE_ENV_POLICY, scopedEnv } from '../config/env-policy.js';
import type { ConfigTrust } from '../config/trust.js';
import { guardedFetch, parseAllowedHosts, TRUSTED_OUTBOUND } from '../telemetry/outbound.js';

export const TRUST_CONFIG_HELP = 'trust the config file: let { env: VAR } name any environment variable and datasource URLs reach any address (only for a config you wrote; see docs/security.md)';

export interface CliTrust {
  trust: Required<ConfigTrust>;
  /** The environment the config's secrets resolve against. */
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
}

export function cliTrust(trustConfig: boolean | undefined, env: Record<string, string | undefined> = process.env): CliTrust {
  if (trustConfig) return { trust: { env: PERMISSIVE_ENV_POLICY, outbound: TRUSTED_OUTBOUND }, env, fetch: guardedFetch(TRUSTED_OUTBOUND) };
  const policy = configEnvPolicyFromEnv(env.SLO_SCOUT_CONFIG_ENV_ALLOW);
  const outbound = { ...parseAllowedHosts(env.SLO_SCOUT_ALLOWED_HOSTS), privateOk: true };
  return { trust: { env: policy, outbound }, env: scopedEnv(env, policy), fetch: guardedFetch(outbound) };
}
