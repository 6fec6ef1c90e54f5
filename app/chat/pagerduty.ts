/**
 * PagerDuty for Policy Guard: Events API v2 (trigger when a change escalates, resolve when the PR
 * closes), REST `GET /oncalls` (who is on call for the incident's escalation policy), and the v3
 * webhook `/webhooks/pagerduty` whose `incident.acknowledged` by the on-call counts as approval.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { errorResponse, type HttpResponse, type HttpRoute } from '../server/http.js';
import { silentLogger, type Logger } from '../logger.js';

export class PagerDutyApiError extends Error {}

/** `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]`: several signatures while a secret is rotated; one match is enough. */
export function verifyPagerDutySignature(secret: string, header: string | undefined, rawBody: Buffer): boolean {
  if (!header) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  return header.split(',').map((s) => Buffer.from(s.trim())).some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

export function signPagerDutyBody(secret: string, rawBody: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** One dedup key per PR and head SHA: a push opens a new incident, a retry does not. */
export function dedupKey(repo: string, pr: number, sha: string): string {
  return `slo-scout/${repo}#${pr}@${sha}`;
}

const DEDUP_RE = /^slo-scout\/([^/\s]+\/[^#\s]+)#(\d+)@([0-9a-f]{7,64})$/i;
export function parseDedupKey(key: string | null | undefined): { repo: string; pr: number; sha: string } | null {
  const m = key ? DEDUP_RE.exec(key) : null;
  return m ? { repo: m[1]!, pr: Number(m[2]), sha: m[3]! } : null;
}

/** Events API v2 `POST /v2/enqueue` body. */
export const EnqueueEvent = z.object({
  routing_key: z.string().min(1),
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.string().min(1).max(255),
  payload: z.object({
    summary: z.string().min(1).max(1024),
    source: z.string().min(1),
    severity: z.enum(['critical', 'error', 'warning', 'info']),
    component: z.string().optional(),
    group: z.string().optional(),
    class: z.string().optional(),
    custom_details: z.record(z.string(), z.unknown()).optional(),
  }).optional(),
  links: z.array(z.object({ href: z.string(), text: z.string() })).optional(),
  client: z.string().optional(),
  client_url: z.string().optional(),
});
export type EnqueueEvent = z.infer<typeof EnqueueEvent>;

const OnCalls = z.object({
  oncalls: z.array(z.object({
    user: z.object({ id: z.string(), email: z.string().optional(), summary: z.string().optional(), name: z.string().optional() }).loose(),
    escalation_level: z.number().optional(),
  }).loose()),
});

export interface OnCallUser {
  id: string;
  email: string | null;
  name: string | null;
}

export class PagerDutyClient {
  readonly #fetch: typeof fetch;
  readonly #apiToken: string | undefined;
  readonly #eventsUrl: string;
  readonly #apiUrl: string;

  constructor(opts: { apiToken?: string; eventsUrl?: string; apiUrl?: string; fetch?: typeof fetch }) {
    this.#fetch = opts.fetch ?? fetch;
    this.#apiToken = opts.apiToken;
    this.#eventsUrl = (opts.eventsUrl ?? 'https://events.pagerduty.com').replace(/\/+$/, '');
    this.#apiUrl = (opts.apiUrl ?? 'https://api.pagerduty.com').replace(/\/+$/, '');
  }

  async sendEvent(event: EnqueueEvent): Promise<void> {
    const body = EnqueueEvent.parse(event);
    const res = await this.#fetch(`${this.#eventsUrl}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    // 202 Accepted is success; 400 means our event is wrong (permanent), 429/5xx are worth a retry.
    if (res.status !== 202) {
      const text = (await res.text()).slice(0, 300);
      throw new PagerDutyApiError(`PagerDuty Events API ${event.event_action}: HTTP ${res.status} ${text}; ${res.status === 400 ? 'check the routing key in policy_guard.pagerduty.routing_keys' : 'will retry'}`);
    }
  }

  /** Users currently on call for the escalation policies, with emails (`include[]=users`). */
  async onCall(escalationPolicyIds: string[]): Promise<OnCallUser[]> {
    if (!this.#apiToken) throw new PagerDutyApiError('PAGERDUTY_API_TOKEN is not set: on-call lookups need a read-only REST API key');
    const q = new URLSearchParams();
    for (const id of escalationPolicyIds) q.append('escalation_policy_ids[]', id);
    q.append('include[]', 'users');
    const res = await this.#fetch(`${this.#apiUrl}/oncalls?${q.toString()}`, {
      headers: { authorization: `Token token=${this.#apiToken}`, accept: 'application/vnd.pagerduty+json;version=2' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new PagerDutyApiError(`PagerDuty GET /oncalls: HTTP ${res.status}; check PAGERDUTY_API_TOKEN`);
    const data = OnCalls.parse(await res.json());
    const seen = new Map<string, OnCallUser>();
    for (const o of data.oncalls) seen.set(o.user.id, { id: o.user.id, email: o.user.email ?? null, name: o.user.name ?? o.user.summary ?? null });
    return [...seen.values()];
  }
}

/** v3 webhook envelope; only what Policy Guard reads is required. */
export const PagerDutyWebhook = z.object({
  event: z.object({
    id: z.string().min(1),
    event_type: z.string(),
    occurred_at: z.string().optional(),
    agent: z.object({ id: z.string(), type: z.string(), summary: z.string().optional() }).loose().nullable().optional(),
    data: z.object({
      id: z.string(),
      type: z.string(),
      incident_key: z.string().nullable().optional(),
      escalation_policy: z.object({ id: z.string() }).loose().nullable().optional(),
    }).loose(),
  }).loose(),
});
export type PagerDutyWebhook = z.infer<typeof PagerDutyWebhook>;

export interface PagerDutyAck {
  eventId: string;
  agentId: string;
  incidentId: string;
  escalationPolicyId: string | null;
  target: { repo: string; pr: number; sha: string };
}

export interface PagerDutyRouteDeps {
  /** Undefined disables the route (404): the channel is off without PAGERDUTY_WEBHOOK_SECRET. */
  webhookSecret?: string;
  /** Whether an event id was handled before (persisted: replays after a restart are dropped too). */
  seen(eventId: string): Promise<boolean>;
  /** Marks an event handled; called only after it was handled, so a failed attempt can be retried by PagerDuty. */
  markSeen(eventId: string): Promise<void>;
  onAcknowledged(ack: PagerDutyAck): Promise<void>;
  logger?: Logger;
}

export function pagerDutyRoute(deps: PagerDutyRouteDeps): HttpRoute {
  const logger = (deps.logger ?? silentLogger).child({ channel: 'pagerduty' });
  return {
    method: 'POST',
    path: '/webhooks/pagerduty',
    maxBodyBytes: 512 * 1024,
    async handle(req): Promise<HttpResponse> {
      if (!deps.webhookSecret) return errorResponse(404, 'PagerDuty is not configured: set PAGERDUTY_WEBHOOK_SECRET to enable it');
      if (!verifyPagerDutySignature(deps.webhookSecret, req.headers['x-pagerduty-signature'], req.rawBody)) {
        logger.warn({ remote: req.remoteAddress }, 'pagerduty webhook refused: bad signature');
        return errorResponse(401, 'X-PagerDuty-Signature does not match; check PAGERDUTY_WEBHOOK_SECRET against the subscription secret');
      }
      let parsed;
      try {
        parsed = PagerDutyWebhook.safeParse(JSON.parse(req.rawBody.toString('utf8')));
      } catch {
        return errorResponse(400, 'body is not JSON');
      }
      if (!parsed.success) return errorResponse(400, `not a PagerDuty v3 webhook: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      const e = parsed.data.event;
      if (await deps.seen(e.id)) {
        logger.info({ eventId: e.id }, 'pagerduty webhook replay dropped');
        return { status: 200, body: { status: 'duplicate' } };
      }
      const target = parseDedupKey(e.data.incident_key);
      if (e.event_type !== 'incident.acknowledged' || !target || !e.agent || e.agent.type !== 'user_reference') {
        await deps.markSeen(e.id);
        return { status: 200, body: { status: 'ignored' } };
      }
      await deps.onAcknowledged({ eventId: e.id, agentId: e.agent.id, incidentId: e.data.id, escalationPolicyId: e.data.escalation_policy?.id ?? null, target });
      await deps.markSeen(e.id);
      return { status: 200, body: { status: 'accepted' } };
    },
  };
}
