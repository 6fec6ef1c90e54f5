/**
 * Slack and PagerDuty stand-ins for the end-to-end test, reached by the real processes through
 * SLACK_API_URL, PAGERDUTY_API_URL and PAGERDUTY_EVENTS_URL. Request and reply shapes follow the
 * public docs: Slack Web API `chat.postMessage`, `chat.update`, `chat.postEphemeral` (JSON or
 * form-encoded body — Slack's WebClient sends the latter, with `blocks` as a JSON string — bot token as Bearer; application errors are HTTP 200 with `ok: false`); PagerDuty Events API v2
 * `POST /v2/enqueue` (202) and REST `GET /oncalls` (`Token token=`, version 2 Accept header).
 * Everything asked is recorded; a malformed or unknown request is recorded in `refused` as well.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLocal, type LocalServer } from './local-server.js';


/** Slack's Web API takes both encodings; in a form, structured arguments (blocks, attachments) are JSON strings. */
function parseBody(contentType: string | undefined, text: string): Record<string, unknown> {
  if (!text) return {};
  if (!contentType?.startsWith('application/x-www-form-urlencoded')) return JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = k === 'blocks' || k === 'attachments' ? JSON.parse(v) : v;
  return out;
}

function jsonServer(handle: (req: IncomingMessage, path: string, body: Record<string, unknown>) => { status: number; body: unknown }): Promise<LocalServer> {
  return listenLocal((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let out: { status: number; body: unknown };
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        out = handle(req, new URL(req.url!, 'http://x').pathname, parseBody(req.headers['content-type'], text));
      } catch (err) {
        out = { status: 400, body: { error: String(err) } };
      }
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
    });
  });
}

export interface SlackCall { method: string; body: Record<string, unknown> }

export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  readonly refused: string[] = [];
  #server: LocalServer | null = null;
  #ts = 1_700_000_000;

  constructor(readonly botToken: string) {}

  /** What SLACK_API_URL is set to: a base ending in `/api/`, like the documented https://slack.com/api/. */
  get apiUrl(): string { return `${this.#server!.url}/api/`; }

  async start(): Promise<void> {
    this.#server = await jsonServer((req, path, body) => {
      const method = path.replace(/^\/api\//, '');
      const refuse = (error: string) => { this.refused.push(`${method}: ${error}`); return { status: 200, body: { ok: false, error } }; };
      if (req.method !== 'POST') return refuse('method_not_allowed');
      if (req.headers.authorization !== `Bearer ${this.botToken}`) return refuse('invalid_auth');
      if (!/^application\/(json|x-www-form-urlencoded)/.test(req.headers['content-type'] ?? '')) return refuse('invalid_form_data');
      const channel = typeof body.channel === 'string' ? body.channel : '';
      const hasContent = typeof body.text === 'string' || Array.isArray(body.blocks);
      switch (method) {
        case 'chat.postMessage': {
          if (!channel) return refuse('channel_not_found');
          if (!hasContent) return refuse('no_text');
          const ts = `${++this.#ts}.000100`;
          this.calls.push({ method, body: { ...body, ts } });
          return { status: 200, body: { ok: true, channel, ts, message: { type: 'message', text: body.text, blocks: body.blocks, ts } } };
        }
        case 'chat.update': {
          if (!channel || typeof body.ts !== 'string') return refuse('message_not_found');
          if (!this.calls.some((c) => c.method === 'chat.postMessage' && c.body.ts === body.ts)) return refuse('message_not_found');
          this.calls.push({ method, body });
          return { status: 200, body: { ok: true, channel, ts: body.ts, text: body.text } };
        }
        case 'chat.postEphemeral': {
          if (!channel) return refuse('channel_not_found');
          if (typeof body.user !== 'string') return refuse('user_not_in_channel');
          if (!hasContent) return refuse('no_text');
          this.calls.push({ method, body });
          return { status: 200, body: { ok: true, message_ts: `${++this.#ts}.000200` } };
        }
        default:
          return refuse('unknown_method');
      }
    });
  }

  async stop(): Promise<void> { await this.#server?.stop(); }

  /** Approval messages posted for a PR head, newest last, with the value their buttons carry. */
  approvalMessages(prNumber: number, sha: string): { channel: string; ts: string; value: string }[] {
    return this.calls.filter((c) => c.method === 'chat.postMessage').flatMap((c) => {
      const buttons = (c.body.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[] | undefined)?.find((b) => b.type === 'actions')?.elements ?? [];
      const value = buttons.find((e) => e.action_id === 'slo_scout_approve')?.value;
      if (!value) return [];
      const target = JSON.parse(value) as { pr: number; sha: string };
      return target.pr === prNumber && target.sha === sha ? [{ channel: String(c.body.channel), ts: String(c.body.ts), value }] : [];
    });
  }

  summary(): string {
    return `slack: ${this.calls.map((c) => `${c.method}(${String(c.body.ts ?? c.body.user ?? '')})`).join(', ') || 'no calls'}${this.refused.length ? `; refused: ${this.refused.join('; ')}` : ''}`;
  }
}

/**
 * A button click as Slack's interactivity sends it: form-encoded `payload` (type block_actions),
 * signed v0 (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret).
 */
export function signedSlackClick(url: string, message: { channel: string; ts: string; value: string }, user: string, actionTs: string, secret: string): Promise<Response> {
  const payload = {
    type: 'block_actions', user: { id: user, username: 'alice', name: 'alice', team_id: 'T0ACME' }, api_app_id: 'A0SLOSCOUT', token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false }, trigger_id: '1.2.3', team: { id: 'T0ACME', domain: 'acme' },
    channel: { id: message.channel, name: 'slo-guard' }, response_url: 'https://hooks.slack.com/actions/T0ACME/1/x',
    actions: [{ type: 'button', action_id: 'slo_scout_approve', block_id: 'slo_scout_block', text: { type: 'plain_text', text: 'Approve' }, value: message.value, style: 'primary', action_ts: actionTs }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature } });
}

export interface OnCall { id: string; email: string; name: string }

export class PagerDutyStandIn {
  readonly events: Record<string, unknown>[] = [];
  readonly onCallLookups: string[][] = [];
  readonly refused: string[] = [];
  /** Escalation policy id -> users on call now. */
  readonly onCall = new Map<string, OnCall[]>();
  #server: LocalServer | null = null;

  constructor(readonly apiToken: string, readonly routingKey: string) {}

  /** PAGERDUTY_API_URL and PAGERDUTY_EVENTS_URL: one server, two prefixes, so a mix-up of the two shows. */
  get apiUrl(): string { return `${this.#server!.url}/rest`; }
  get eventsUrl(): string { return `${this.#server!.url}/events`; }

  async start(): Promise<void> {
    this.#server = await jsonServer((req, path, body) => {
      const refuse = (status: number, why: string) => { this.refused.push(`${req.method} ${path}: ${why}`); return { status, body: { status: 'invalid event', message: why } }; };
      if (req.method === 'POST' && path === '/events/v2/enqueue') {
        if (body.routing_key !== this.routingKey) return refuse(400, 'unknown routing_key');
        if (!['trigger', 'acknowledge', 'resolve'].includes(String(body.event_action))) return refuse(400, 'event_action must be trigger, acknowledge or resolve');
        const payload = body.payload as { summary?: unknown; source?: unknown; severity?: unknown } | undefined;
        if (body.event_action === 'trigger' && (!payload?.summary || !payload.source || !payload.severity)) return refuse(400, 'a trigger needs payload.summary, payload.source and payload.severity');
        this.events.push(body);
        return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: body.dedup_key } };
      }
      if (req.method === 'GET' && path === '/rest/oncalls') {
        if (req.headers.authorization !== `Token token=${this.apiToken}`) return refuse(401, 'invalid token');
        if (req.headers.accept !== 'application/vnd.pagerduty+json;version=2') return refuse(406, 'Accept must be application/vnd.pagerduty+json;version=2');
        const q = new URL(req.url!, 'http://x').searchParams;
        const policies = q.getAll('escalation_policy_ids[]');
        this.onCallLookups.push(policies);
        const withUsers = q.getAll('include[]').includes('users');
        const oncalls = policies.flatMap((ep) => (this.onCall.get(ep) ?? []).map((u) => ({
          escalation_policy: { id: ep, type: 'escalation_policy_reference', summary: 'SRE' },
          escalation_level: 1,
          user: withUsers ? { id: u.id, type: 'user', summary: u.name, name: u.name, email: u.email } : { id: u.id, type: 'user_reference', summary: u.name },
          start: null, end: null,
        })));
        return { status: 200, body: { oncalls, limit: 25, offset: 0, more: false, total: null } };
      }
      return refuse(404, 'unknown route');
    });
  }

  async stop(): Promise<void> { await this.#server?.stop(); }

  summary(): string {
    return `pagerduty: events ${this.events.map((e) => `${String(e.event_action)} ${String(e.dedup_key)}`).join(', ') || 'none'}; on-call lookups ${this.onCallLookups.length}${this.refused.length ? `; refused: ${this.refused.join('; ')}` : ''}`;
  }
}
