/**
 * POST /webhooks/alertmanager: Alertmanager webhook_config receiver (payload version 4).
 * Auth: `Authorization: Bearer <secret>` (Alertmanager http_config.authorization) or Basic auth
 * whose password is the secret (http_config.basic_auth); secrets per tenant, compared in constant
 * time. Alerts are stored as events linked to their service (label service / service_name /
 * slo_service) and, when they concern an SLO (label slo_scout_id / slo_id / sloth_id / slo), can
 * trigger a re-analysis of that service, at most once per debounce window.
 */
import { z } from 'zod';
import type { Clock } from '../../deps.js';
import { errorResponse, type HttpRequest, type HttpResponse, type HttpRoute } from '../../server/http.js';
import type { Logger } from '../../logger.js';
import type { AlertEvent, AlertEventStore } from '../../store/telemetry-alerts.js';
import { tenantFor, type TenantToken } from '../otlp/receiver.js';

const Labels = z.record(z.string(), z.string());

export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  annotations: Labels.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

export const AlertmanagerPayload = z.object({
  version: z.literal('4', { error: 'only Alertmanager webhook payload version "4" is supported' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: Labels.default({}),
  commonLabels: Labels.default({}),
  commonAnnotations: Labels.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(AlertmanagerAlert),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayload>;

export const SERVICE_LABELS = ['service', 'service_name', 'slo_service'];
export const SLO_LABELS = ['slo_scout_id', 'slo_id', 'sloth_id', 'slo'];

const first = (labels: Record<string, string>, keys: string[]) => keys.map((k) => labels[k]).find((v) => v !== undefined && v !== '') ?? null;
// Alertmanager sends endsAt "0001-01-01T00:00:00Z" for alerts without an end.
const toSeconds = (s: string | undefined) => {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) && t > 0 ? t / 1000 : null;
};

export function toEvents(tenant: string, payload: AlertmanagerPayload): AlertEvent[] {
  return payload.alerts.map((a) => ({
    tenant,
    fingerprint: a.fingerprint,
    status: a.status,
    alertname: a.labels.alertname ?? '(unnamed)',
    service: first(a.labels, SERVICE_LABELS),
    slo: first(a.labels, SLO_LABELS),
    severity: a.labels.severity ?? null,
    startsAt: Date.parse(a.startsAt) / 1000,
    endsAt: a.status === 'resolved' ? toSeconds(a.endsAt) : null,
    labels: a.labels,
    annotations: a.annotations,
    generatorUrl: a.generatorURL ?? null,
  }));
}

export interface AlertmanagerDeps {
  logger: Logger;
  clock: Clock;
  secrets: TenantToken[];
  events: AlertEventStore;
  /** Called for a firing SLO alert of a service, at most once per service per `debounceSeconds` (e.g. enqueue `analyze`). */
  onReanalysis?: (request: { tenant: string; service: string; slo: string; alertname: string }) => Promise<void> | void;
  debounceSeconds?: number;
}

function basicPassword(authorization: string | undefined): string | undefined {
  const m = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

export function alertmanagerRoute(deps: AlertmanagerDeps): HttpRoute {
  const logger = deps.logger.child({ component: 'alertmanager' });
  const debounceMs = (deps.debounceSeconds ?? 900) * 1000;
  const lastTrigger = new Map<string, number>();

  return {
    method: 'POST',
    path: '/webhooks/alertmanager',
    maxBodyBytes: 1024 * 1024,
    async handle(req: HttpRequest): Promise<HttpResponse> {
      const basic = basicPassword(req.headers.authorization);
      const tenant = tenantFor(deps.secrets, basic !== undefined ? `Bearer ${basic}` : req.headers.authorization);
      if (!tenant) return errorResponse(401, 'missing or unknown secret: set http_config.authorization.credentials (Bearer) or basic_auth.password in the Alertmanager receiver to a secret from ALERTMANAGER_SECRETS');
      let json: unknown;
      try {
        json = JSON.parse(req.rawBody.toString('utf8'));
      } catch (err) {
        return errorResponse(400, `body is not valid JSON: ${(err as Error).message}`);
      }
      const parsed = AlertmanagerPayload.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return errorResponse(400, `invalid Alertmanager payload at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      }
      const events = toEvents(tenant, parsed.data);
      const stored = await deps.events.record(events);
      const triggered: string[] = [];
      const now = deps.clock.now().getTime();
      for (const e of events) {
        if (e.status !== 'firing' || !e.service || !e.slo || !deps.onReanalysis) continue;
        const key = `${tenant}\u0000${e.service}`;
        const last = lastTrigger.get(key);
        if (last !== undefined && now - last < debounceMs) continue;
        lastTrigger.set(key, now);
        triggered.push(e.service);
        try {
          await deps.onReanalysis({ tenant, service: e.service, slo: e.slo, alertname: e.alertname });
        } catch (err) {
          // The event is stored; a failed trigger is retried by the next notification (Alertmanager repeats).
          lastTrigger.delete(key);
          logger.warn({ err, service: e.service }, 're-analysis trigger failed');
        }
      }
      logger.info({ tenant, alerts: events.length, stored, triggered, truncated: parsed.data.truncatedAlerts }, 'alertmanager notification');
      return { status: 200, body: { received: events.length, stored, reanalysis: triggered } };
    },
  };
}
