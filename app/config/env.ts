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
  RETENTION_RAW_DAYS: z.coerce.number().int().min(1).default(7),
  RETENTION_CAPSULE_DAYS: z.coerce.number().int().min(1).default(90),
  RETENTION_AGGREGATE_DAYS: z.coerce.number().int().min(1).default(365),
});
export type IntakeEnv = z.infer<typeof IntakeEnv>;

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
  // OTLP intake (issue 6): OTLP_TOKENS, ALERTMANAGER_SECRETS, INTAKE_*, RETENTION_*_DAYS.
  ...IntakeEnv.shape,
});
export type Env = z.infer<typeof Env>;

export class EnvError extends Error {}

/** What each process needs beyond the defaults. */
export type EnvNeed = 'github-app' | 'database';

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
      problems.push(`${name}: ${issue.message} (got ${JSON.stringify(cleaned[name])})`);
    }
    throw new EnvError(`invalid environment:\n  ${problems.join('\n  ')}`);
  }
  const env = result.data;
  if (needs.includes('github-app')) {
    if (env.APP_ID === undefined) problems.push(`APP_ID is missing: ${HOW_TO_FIX.APP_ID}`);
    if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) problems.push(`PRIVATE_KEY is missing: ${HOW_TO_FIX.PRIVATE_KEY}`);
    if (!env.WEBHOOK_SECRET) problems.push(`WEBHOOK_SECRET is missing: ${HOW_TO_FIX.WEBHOOK_SECRET}`);
  }
  if (needs.includes('database') && !env.DATABASE_URL) problems.push(`DATABASE_URL is missing: ${HOW_TO_FIX.DATABASE_URL}`);
  if (problems.length) throw new EnvError(`invalid environment:\n  ${problems.join('\n  ')}`);
  return env;
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
