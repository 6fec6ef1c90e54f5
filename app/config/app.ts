import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { TimeZone } from './openslo.js';

/** Sections of `.slo-scout.yml` the GitHub App reads: when to analyse and how PRs look. */

// Five cron fields (minute hour day-of-month month day-of-week), as BullMQ job schedulers take them.
const CRON_FIELD = String.raw`[0-9*,/\-A-Za-z?LW#]+`;
const CRON_RE = new RegExp(`^${CRON_FIELD}(\\s+${CRON_FIELD}){4}$`);

export const Schedule = z.object({
  /** Cron with five fields; weekly on Monday 06:00 by default: SLO proposals need weeks of history, not minutes. */
  cron: z.string().trim().regex(CRON_RE, 'a cron expression with five fields, e.g. "0 6 * * 1" (Mondays 06:00)').superRefine((cron, ctx) => {
    try {
      CronExpressionParser.parse(cron);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid cron expression (${(err as Error).message}); five fields: minute hour day-of-month month day-of-week, e.g. "0 6 * * 1"` });
    }
  }).default('0 6 * * 1'),
  timezone: TimeZone.default('UTC'),
  enabled: z.boolean().default(true),
}).strict();
export type Schedule = z.infer<typeof Schedule>;

export const PullRequests = z.object({
  /** `per-service`: one long-lived branch `slo-scout/<service>` (renovate-style); `per-run`: a new branch per run. */
  branches: z.enum(['per-service', 'per-run']).default('per-service'),
  branchPrefix: z.string().regex(/^[A-Za-z0-9._/-]+\/$/, 'a branch prefix ending in "/", e.g. slo-scout/').default('slo-scout/'),
  labels: z.array(z.string().min(1)).default(['slo-scout']),
  /** Teams (org/team-slug or team-slug) whose members may run branch-changing commands besides users with write access. */
  commandTeams: z.array(z.string().min(1)).default([]),
  /** Variant written to the files unless `/slo-scout variant` chose another. */
  variant: z.enum(['conservative', 'balanced', 'aggressive']).default('balanced'),
}).strict();
export type PullRequests = z.infer<typeof PullRequests>;
