/**
 * Process environment, validated once at start. Every process (serve, worker, migrate) parses
 * the same schema and then states which variables it needs, so an error names the variable and
 * says how to fix it instead of failing later deep inside Octokit or pg.
 *
 * Other areas add their variables to `Env` below (one line each, optional: a channel whose secret
 * is missing is disabled, not a start failure).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseAllowedHosts } from '../telemetry/outbound.js';
import { configEnvPolicyFromEnv } from './env-policy.js';
import { redactUrl } from '../redact.js';
import { AiEnv } from './ai.js';

const port = z.coerce.number().int().min(0).max(65535);
const url = (what: string) => z.string().refine((v) => URL.canParse(v), { message: `must be a URL (${what})` });

/**
 * OTLP intake (issue 6, docs/intake.md). Optional: the OTLP routes answer 404 until OTLP_TOKENS is
 * set, the Alertmanager route until ALERTMANAGER_SECRETS is. `createIntake` takes these parsed values.
 */
export const IntakeEnv = z.object({
  OTLP_TOKENS: z.string().min(1).optional(),
  ALERTMANAGER_SECRETS: z.string().min(1).optional(),
  INTAKE_FLUSH_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
  INTAKE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  INTAKE_MAX_SERIES_PER_TENANT: z.coerce.number().int().min(1).default(10_000), // per hour (docs/resilience.md)
  RETENTION_RAW_DAYS: z.coerce.number().int().min(1).default(7),
  RETENTION_CAPSULE_DAYS: z.coerce.number().int().min(1).default(90),
  RETENTION_AGGREGATE_DAYS: z.coerce.number().int().min(1).default(365),
});
export type IntakeEnv = z.infer<typeof IntakeEnv>;

/** Parses with `parse` so the start-up error is the parser's own message (what is wrong and how to write it). */
const parsedBy = (parse: (v: string) => unknown) => z.string().superRefine((v, ctx) => {
  try {
    parse(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^SLO_SCOUT_\w+: /, '') });
  }
});

/**
 * What a repository's config and its commenters may reach (issue 9, docs/security.md). Defaults
 * are safe: config secrets only from SLO_SCOUT_DS_*, no private/loopback/metadata addresses.
 */
export const TrustEnv = z.object({
  SLO_SCOUT_CONFIG_ENV_ALLOW: parsedBy(configEnvPolicyFromEnv).optional(),
  SLO_SCOUT_ALLOWED_HOSTS: parsedBy(parseAllowedHosts).optional(),
  SLO_SCOUT_MAX_RESPONSE_BYTES: z.coerce.number().int().min(64 * 1024).default(64 * 1024 * 1024),
  SLO_SCOUT_COMPUTE_SECONDS: z.coerce.number().min(1).max(600).default(20),
  /** Worker threads of the analysis (app/compute/pool.ts reads it; checked here so a bad value stops start-up). */
  SLO_SCOUT_COMPUTE_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  SLO_SCOUT_COMMANDS_PER_USER_PER_HOUR: z.coerce.number().int().min(0).default(30),
  SLO_SCOUT_COMMANDS_PER_REPO_PER_HOUR: z.coerce.number().int().min(0).default(120),
});
export type TrustEnv = z.infer<typeof TrustEnv>;

export const Env = z.object({
  // GitHub App (standard Probot names)
  APP_ID: z.coerce.number().int().positive().optional(),
  PRIVATE_KEY: z.string().min(1).optional(),
  PRIVATE_KEY_PATH: z.string().min(1).optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  WEBHOOK_PATH: z.string().startsWith('/').default('/api/github/webhooks'),
  GHE_HOST: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name like github.example.com (no scheme)').optional(),
  GHE_PROTOCOL: z.enum(['https', 'http']).default('https'),
  PORT: port.default(3000),
  HOST: z.string().optional(),
  // Shared infrastructure
  REDIS_URL: url('redis://host:6379').default('redis://127.0.0.1:6379'),
  DATABASE_URL: url('postgres://user@host:5432/db').optional(),
  QUEUE_PREFIX: z.string().min(1).default('slo-scout'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(4),
  // Onboarding (issue 12): the Prometheus onboarding PRs discover their starter .slo-scout.yml from (optional).
  PROMETHEUS_URL: url('http://prometheus:9090').optional(),
  // GitLab (optional: the GitLab route answers 404 without its secret)
  GITLAB_URL: url('https://gitlab.example.com').default('https://gitlab.com'),
  GITLAB_TOKEN: z.string().min(1).optional(),
  GITLAB_WEBHOOK_SECRET: z.string().min(1).optional(),
  // Policy Guard (issue 5): each channel is off (routes answer 404) until its secrets are set.
  SLACK_SIGNING_SECRET: z.string().min(1).optional(), SLACK_BOT_TOKEN: z.string().min(1).optional(), PAGERDUTY_WEBHOOK_SECRET: z.string().min(1).optional(), PAGERDUTY_API_TOKEN: z.string().min(1).optional(),
  // Their API base URLs, for a proxy, PagerDuty's EU service region or a test stand-in; unset means the public
  // services (https://slack.com/api/, https://api.pagerduty.com, https://events.pagerduty.com; defaults in app/chat/).
  SLACK_API_URL: url('https://slack.com/api/').optional(), PAGERDUTY_API_URL: url('https://api.pagerduty.com').optional(), PAGERDUTY_EVENTS_URL: url('https://events.pagerduty.com').optional(),
  // OTLP intake (issue 6): OTLP_TOKENS, ALERTMANAGER_SECRETS, INTAKE_*, RETENTION_*_DAYS.
  ...IntakeEnv.shape,
  // Untrusted config and commenters (issue 9): SLO_SCOUT_CONFIG_ENV_ALLOW, SLO_SCOUT_ALLOWED_HOSTS, limits.
  ...TrustEnv.shape,
  // Details pages (issue 14, docs/web.md): /ui answers 404 until the secret is set; links need the public URL too.
  SLO_SCOUT_UI_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(), SLO_SCOUT_PUBLIC_URL: url('https://slo-scout.example.com').optional(),
  // What-if API calls per minute, per link and per client address (app/web/rate-limit.ts); 0 = off.
  SLO_SCOUT_UI_WHAT_IF_PER_LINK_PER_MINUTE: z.coerce.number().int().min(0).default(120), SLO_SCOUT_UI_WHAT_IF_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(0).default(300),
  // AI layer (issue 15): SLO_SCOUT_EMBEDDINGS, SLO_SCOUT_MODEL_DIR, SLO_SCOUT_ALLOW_REMOTE_MODELS, OPENAI_API_KEY, OPENAI_BASE_URL.
  ...AiEnv.shape,
});
export type Env = z.infer<typeof Env>;

export class EnvError extends Error {}

/** A value for an error message: connection URLs carry passwords, so *_URL values are shown without them. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined || !name.endsWith('_URL')) return JSON.stringify(value);
  // Not even scheme://: the password may be anywhere in it, so say only what is wrong.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `a value of ${value.length} characters without a scheme://, not shown as it may hold a password`;
  return JSON.stringify(redactUrl(value));
}

/** What each process needs beyond the defaults. */
/** `platform`: the GitHub App, or GitLab (GITLAB_TOKEN + GITLAB_WEBHOOK_SECRET), or both. */
export type EnvNeed = 'github-app' | 'database' | 'platform';

const HOW_TO_FIX: Record<string, string> = {
  APP_ID: 'set APP_ID to the numeric App ID from the GitHub App settings page',
  PRIVATE_KEY: 'set PRIVATE_KEY to the PEM contents (or PRIVATE_KEY_PATH to the .pem file) downloaded from the GitHub App settings page',
  WEBHOOK_SECRET: 'set WEBHOOK_SECRET to the webhook secret configured in the GitHub App settings',
  DATABASE_URL: 'set DATABASE_URL, e.g. postgres://slo_scout@localhost:5432/slo_scout',
};

/**
 * Parses and checks the environment. Throws EnvError with one line per problem, each naming the
 * variable, e.g. "PORT: must be a number between 0 and 65535 (got 'abc')".
 */
export function parseEnv(source: Record<string, string | undefined>, needs: EnvNeed[] = []): Env {
  // Empty strings are "unset": docker-compose passes `FOO=` for unset variables.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = Env.safeParse(cleaned);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '?');
      problems.push(`${name}: ${issue.message} (got ${shown(name, cleaned[name])})`);
    }
    throw new EnvError(`invalid environment:\n  ${problems.join('\n  ')}`);
  }
  const env = result.data;
  if (needs.includes('github-app')) {
    if (env.APP_ID === undefined) problems.push(`APP_ID is missing: ${HOW_TO_FIX.APP_ID}`);
    if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) problems.push(`PRIVATE_KEY is missing: ${HOW_TO_FIX.PRIVATE_KEY}`);
    if (!env.WEBHOOK_SECRET) problems.push(`WEBHOOK_SECRET is missing: ${HOW_TO_FIX.WEBHOOK_SECRET}`);
  }
  if (needs.includes('platform') && !githubAppConfigured(env)) {
    const gitlab = Boolean(env.GITLAB_TOKEN && env.GITLAB_WEBHOOK_SECRET);
    const anyGithub = env.APP_ID !== undefined || Boolean(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH || env.WEBHOOK_SECRET);
    // A half-configured GitHub App is a mistake even next to GitLab; nothing configured names both ways out.
    if (anyGithub || !gitlab) {
      if (env.APP_ID === undefined) problems.push(`APP_ID is missing: ${HOW_TO_FIX.APP_ID}`);
      if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) problems.push(`PRIVATE_KEY is missing: ${HOW_TO_FIX.PRIVATE_KEY}`);
      if (!env.WEBHOOK_SECRET) problems.push(`WEBHOOK_SECRET is missing: ${HOW_TO_FIX.WEBHOOK_SECRET}`);
      if (!anyGithub) problems.push('or, for a GitLab-only install, set GITLAB_TOKEN and GITLAB_WEBHOOK_SECRET (and GITLAB_URL for self-managed GitLab) instead of the GitHub App variables');
    }
  }
  if (needs.includes('database') && !env.DATABASE_URL) problems.push(`DATABASE_URL is missing: ${HOW_TO_FIX.DATABASE_URL}`);
  if (problems.length) throw new EnvError(`invalid environment:\n  ${problems.join('\n  ')}`);
  return env;
}

/** True when the GitHub App's three variables are all set (serve mounts its webhook route, workers authenticate). */
export function githubAppConfigured(env: Env): boolean {
  return env.APP_ID !== undefined && Boolean(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH) && Boolean(env.WEBHOOK_SECRET);
}

/** The App's private key: PRIVATE_KEY (PEM, or base64 of it, as Probot accepts) or the file at PRIVATE_KEY_PATH. */
export function readPrivateKey(env: Env): string {
  if (env.PRIVATE_KEY) {
    const v = env.PRIVATE_KEY.replace(/\\n/g, '\n');
    if (v.includes('-----BEGIN')) return v;
    const decoded = Buffer.from(v, 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) return decoded;
    throw new EnvError('PRIVATE_KEY: not a PEM key (expected "-----BEGIN ... PRIVATE KEY-----" or its base64)');
  }
  if (env.PRIVATE_KEY_PATH) {
    try {
      return readFileSync(env.PRIVATE_KEY_PATH, 'utf8');
    } catch (err) {
      throw new EnvError(`PRIVATE_KEY_PATH: cannot read ${env.PRIVATE_KEY_PATH} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); point it at the .pem downloaded from the GitHub App settings`);
    }
  }
  throw new EnvError(`PRIVATE_KEY is missing: ${HOW_TO_FIX.PRIVATE_KEY}`);
}
