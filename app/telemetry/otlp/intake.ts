/**
 * Wires the intake for `slo-scout serve`: one aggregator + capsule miner per process, the OTLP and
 * Alertmanager routes, and the flush timer. server.ts calls `createIntake(...)`, mounts `routes`,
 * calls `start()` after listening and `stop()` on shutdown (stop flushes what is left).
 */
import { z } from 'zod';
import type { Clock } from '../../deps.js';
import type { HttpRoute } from '../../http.js';
import type { Logger } from '../../logger.js';
import type { Pool } from '../../store/db.js';
import { PgTelemetryStore } from '../../store/telemetry.js';
import { PgAlertEventStore } from '../../store/telemetry-alerts.js';
import { RetentionConfig } from '../../store/retention.js';
import { IngestFlusher } from '../../../workers/ingest-flush.js';
import { alertmanagerRoute, type AlertmanagerDeps } from '../alertmanager/webhook.js';
import { SpanAggregator } from './aggregate.js';
import { CapsuleIngestor } from './capsule-ingest.js';
import { otlpRoutes, parseTenantTokens } from './receiver.js';

/** Environment of the intake (merge into app/config/env.ts). Empty token lists disable the routes. */
export const IntakeEnv = z.object({
  OTLP_TOKENS: z.string().optional(),
  ALERTMANAGER_SECRETS: z.string().optional(),
  INTAKE_FLUSH_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
  INTAKE_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  RETENTION_RAW_DAYS: z.coerce.number().int().min(1).default(7),
  RETENTION_CAPSULE_DAYS: z.coerce.number().int().min(1).default(90),
  RETENTION_AGGREGATE_DAYS: z.coerce.number().int().min(1).default(365),
});
export type IntakeEnv = z.infer<typeof IntakeEnv>;

export function retentionFromEnv(env: IntakeEnv): RetentionConfig {
  return RetentionConfig.parse({ rawDays: env.RETENTION_RAW_DAYS, capsuleDays: env.RETENTION_CAPSULE_DAYS, aggregateDays: env.RETENTION_AGGREGATE_DAYS });
}

export interface Intake {
  routes: HttpRoute[];
  flusher: IngestFlusher;
  start(): void;
  stop(): Promise<void>;
}

export function createIntake(deps: { pool: Pool; logger: Logger; clock: Clock; env: Record<string, string | undefined>; onReanalysis?: AlertmanagerDeps['onReanalysis'] }): Intake {
  const parsed = IntakeEnv.safeParse(deps.env);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`environment variable ${i.path.join('.')}: ${i.message}`);
  }
  const env = parsed.data;
  const tokens = parseTenantTokens(env.OTLP_TOKENS);
  const secrets = parseTenantTokens(env.ALERTMANAGER_SECRETS);
  const spans = new SpanAggregator();
  const capsules = new CapsuleIngestor();
  const flusher = new IngestFlusher({ spans, capsules, store: new PgTelemetryStore(deps.pool), logger: deps.logger, intervalSeconds: env.INTAKE_FLUSH_SECONDS });
  const routes: HttpRoute[] = [];
  if (tokens.length > 0) {
    routes.push(...otlpRoutes({ logger: deps.logger, tokens, spans, capsules, maxBodyBytes: env.INTAKE_MAX_BODY_BYTES, isOverloaded: () => flusher.overloaded }));
  }
  if (secrets.length > 0) {
    routes.push(alertmanagerRoute({ logger: deps.logger, clock: deps.clock, secrets, events: new PgAlertEventStore(deps.pool), ...(deps.onReanalysis ? { onReanalysis: deps.onReanalysis } : {}) }));
  }
  return { routes, flusher, start: () => flusher.start(), stop: () => flusher.stop() };
}
