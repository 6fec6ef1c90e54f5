/**
 * The extra HTTP routes of `slo-scout serve`, mounted next to Probot's webhook route on the same
 * server (app/server/server.ts). Each area adds its routes with ONE line in `buildRoutes`.
 */
import type { HttpRoute } from './http.js';
import type { BaseDeps } from '../deps.js';
import type { Env } from '../config/env.js';
import type { Pool } from '../store/db.js';
import type { Redis } from 'ioredis';
import type { Metrics } from './metrics.js';
import type { Queues } from '../queues.js';
import { healthRoutes, metricsRoute } from './health.js';
import type { Intake } from './intake.js';
import { gitlabWebhookRoute } from '../vcs/gitlab-webhook.js';
import { policyRoutes } from '../policy/wiring.js';
import { uiRoutes } from '../web/index.js';

export interface RouteDeps extends BaseDeps {
  env: Env;
  pool: Pool;
  redis: Redis;
  metrics: Metrics;
  queues: Queues;
  /** Durable webhook intake (inbox + queue) for routes that receive webhooks. */
  intake: Intake;
}

export function buildRoutes(deps: RouteDeps): HttpRoute[] {
  return [
    ...healthRoutes(deps),
    metricsRoute(deps.metrics, deps.queues),
    // one line per area below: GitLab webhooks, Policy Guard (Slack, PagerDuty). OTLP and Alertmanager routes come
    // from the telemetry intake (createIntake in app/server/app-server.ts), which also owns their flush timer.
    gitlabWebhookRoute({ secret: deps.env.GITLAB_WEBHOOK_SECRET, intake: deps.intake, logger: deps.logger }), // GitHub App: /api/gitlab/webhooks
    ...policyRoutes(deps), // Policy Guard: /slack/events, /webhooks/pagerduty (app/policy/wiring.ts)
    ...uiRoutes(deps), // details pages: /ui/* and /ui/api/* when SLO_SCOUT_UI_SECRET is set (app/web, docs/web.md)
  ];
}
