/**
 * Wires the intake for `slo-scout serve`: one aggregator + capsule miner per process, the OTLP and
 * Alertmanager routes, and the flush timer. app/server/app-server.ts calls `createIntake(...)`, mounts `routes`,
 * calls `start()` after listening and `stop()` on shutdown (stop flushes what is left).
 */
import { EnvError, type IntakeEnv } from '../../config/env.js';
import type { Clock } from '../../deps.js';
import type { HttpRoute } from '../../server/http.js';
import type { Logger } from '../../logger.js';
import type { Pool } from '../../store/db.js';
import { PgTelemetryStore } from '../../store/telemetry.js';
import { PgAlertEventStore } from '../../store/telemetry-alerts.js';
import { RetentionConfig } from '../../store/retention.js';
import { IngestFlusher } from './flusher.js';
import { alertmanagerRoute, type AlertmanagerDeps } from '../alertmanager/webhook.js';
import { SpanAggregator } from './aggregate.js';
import { CapsuleIngestor } from './capsule-ingest.js';
import { otlpRoutes, parseTenantTokens, type TenantToken } from './receiver.js';

// The schema lives in app/config/env.ts (part of `Env`, parsed once at start); re-exported for callers here.
export { IntakeEnv } from '../../config/env.js';

export function retentionFromEnv(env: IntakeEnv): RetentionConfig {
  return RetentionConfig.parse({ rawDays: env.RETENTION_RAW_DAYS, capsuleDays: env.RETENTION_CAPSULE_DAYS, aggregateDays: env.RETENTION_AGGREGATE_DAYS });
}

export interface Intake {
  routes: HttpRoute[];
  flusher: IngestFlusher;
  start(): void;
  stop(): Promise<void>;
}

/** `env` is the parsed environment (`parseEnv(...)` or `IntakeEnv.parse(...)`); a whole `Env` fits. */
export function createIntake(deps: { pool: Pool; logger: Logger; clock: Clock; env: IntakeEnv; onReanalysis?: AlertmanagerDeps['onReanalysis'] }): Intake {
  const env = deps.env;
  let tokens: TenantToken[];
  let secrets: TenantToken[];
  try {
    tokens = parseTenantTokens(env.OTLP_TOKENS, 'OTLP_TOKENS');
    secrets = parseTenantTokens(env.ALERTMANAGER_SECRETS, 'ALERTMANAGER_SECRETS');
  } catch (err) {
    // An EnvError: `slo-scout serve` turns it into a one-line start failure naming the variable.
    throw new EnvError(`invalid environment:\n  ${(err as Error).message}`);
  }
  const timeWindow = { now: () => deps.clock.now().getTime() };
  const spans = new SpanAggregator({ timeWindow, maxSeriesPerTenant: env.INTAKE_MAX_SERIES_PER_TENANT });
  const capsules = new CapsuleIngestor({ timeWindow });
  const flusher = new IngestFlusher({ spans, capsules, store: new PgTelemetryStore(deps.pool), logger: deps.logger, intervalSeconds: env.INTAKE_FLUSH_SECONDS });
  const routes: HttpRoute[] = [];
  if (tokens.length > 0) {
    routes.push(...otlpRoutes({ logger: deps.logger, tokens, spans, capsules, maxBodyBytes: env.INTAKE_MAX_BODY_BYTES, isOverloaded: () => flusher.overloaded }));
  }
  if (secrets.length > 0) {
    routes.push(alertmanagerRoute({ logger: deps.logger, clock: deps.clock, secrets, events: new PgAlertEventStore(deps.pool), ...(deps.onReanalysis ? { onReanalysis: deps.onReanalysis } : {}) }));
  }
  // Say at start which intake routes are live: an exporter getting 404 should find the reason in the log.
  if (tokens.length > 0) deps.logger.info({ tenants: tokens.map((t) => t.tenant), flushSeconds: env.INTAKE_FLUSH_SECONDS }, 'OTLP intake on: POST /v1/traces, /v1/logs, /v1/metrics');
  else deps.logger.info('OTLP intake off: /v1/traces, /v1/logs, /v1/metrics answer 404 until OTLP_TOKENS is set (tenant:token,...)');
  if (secrets.length > 0) deps.logger.info({ tenants: secrets.map((t) => t.tenant) }, 'Alertmanager webhook on: POST /webhooks/alertmanager');
  else deps.logger.info('Alertmanager webhook off: /webhooks/alertmanager answers 404 until ALERTMANAGER_SECRETS is set (tenant:secret,...)');
  return { routes, flusher, start: () => flusher.start(), stop: () => flusher.stop() };
}
