/**
 * Slack for Policy Guard: an approval message with Approve / Reject buttons (Block Kit,
 * chat.postMessage), the interaction endpoint `/slack/events` (v0 request signatures), and
 * chat.update to show the outcome. Raw Web API over fetch: two methods do not justify Bolt's
 * receiver, and a plain HttpRoute mounts next to the other routes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { errorResponse, type HttpRequest, type HttpResponse, type HttpRoute } from '../server/http.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Clock } from '../deps.js';
import { parseJsonBody } from '../server/json.js';

/** Slack refuses to let apps accept requests older than five minutes (replay protection). */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;
export const APPROVE_ACTION = 'slo_scout_approve';
export const REJECT_ACTION = 'slo_scout_reject';

export type SlackVerification = { ok: true } | { ok: false; reason: string };

/** v0 signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the signing secret, hex, compared in constant time. */
export function verifySlackRequest(opts: { signingSecret: string; timestamp?: string; signature?: string; rawBody: Buffer; nowSeconds: number }): SlackVerification {
  const { timestamp, signature } = opts;
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a number' };
  if (Math.abs(opts.nowSeconds - ts) > SLACK_MAX_SKEW_SECONDS) return { ok: false, reason: 'request timestamp is more than 5 minutes away from now (stale or replayed)' };
  const expected = Buffer.from(`v0=${createHmac('sha256', opts.signingSecret).update(`v0:${timestamp}:`).update(opts.rawBody).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}

export function signSlackRequest(signingSecret: string, timestamp: number, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

/** What the buttons carry: enough to find the PR without trusting anything else in the payload. */
export const ButtonValue = z.object({ repo: z.string(), pr: z.number().int().positive(), sha: z.string() });
export type ButtonValue = z.infer<typeof ButtonValue>;

export const BlockActionsPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string(), username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional() }).loose(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string() }).loose()).min(1),
}).loose();
export type BlockActionsPayload = z.infer<typeof BlockActionsPayload>;

export interface SlackDecision {
  slackUserId: string;
  decision: 'approve' | 'reject';
  target: ButtonValue;
  channel: string;
  messageTs: string;
  actionTs: string;
}

export interface ApprovalMessage {
  repo: string;
  pr: number;
  sha: string;
  url: string;
  title: string;
  lines: string[];
  /** Signed link to the Policy Guard details page (issue 14). */
  detailsUrl?: string;
}

const details = (m: ApprovalMessage) => (m.detailsUrl ? ` · <${m.detailsUrl}|limits, cost and approvers>` : '');

type Block = Record<string, unknown>;

export function approvalBlocks(m: ApprovalMessage): Block[] {
  const value = JSON.stringify({ repo: m.repo, pr: m.pr, sha: m.sha } satisfies ButtonValue);
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*SLO-Scout Policy Guard*: <${m.url}|${m.repo}#${m.pr}> — ${m.title}` } },
    ...(m.lines.length ? [{ type: 'section', text: { type: 'mrkdwn', text: m.lines.map((l) => `• ${l}`).join('\n').slice(0, 2900) } }] : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: `head ${m.sha.slice(0, 7)}${details(m)}` }] },
    {
      type: 'actions',
      block_id: `slo_scout_${m.sha.slice(0, 12)}`,
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: REJECT_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    },
  ];
}

/** The message after a decision: buttons removed so nobody clicks an outdated prompt. */
export function outcomeBlocks(m: ApprovalMessage, outcome: string): Block[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*SLO-Scout Policy Guard*: <${m.url}|${m.repo}#${m.pr}> — ${m.title}` } },
    { type: 'section', text: { type: 'mrkdwn', text: outcome } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `head ${m.sha.slice(0, 7)}${details(m)}` }] },
  ];
}

export class SlackApiError extends Error {}

const SlackReply = z.object({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional(), channel: z.string().optional() }).loose();

export class SlackClient {
  readonly #token: string;
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;

  constructor(opts: { token: string; baseUrl?: string; fetch?: typeof fetch }) {
    this.#token = opts.token;
    // Slack documents the base as https://slack.com/api/ (SLACK_API_URL); either spelling works.
    this.#baseUrl = (opts.baseUrl ?? 'https://slack.com/api').replace(/\/+$/, '');
    this.#fetch = opts.fetch ?? fetch;
  }

  async #call(method: string, body: Record<string, unknown>): Promise<z.infer<typeof SlackReply>> {
    const res = await this.#fetch(`${this.#baseUrl}/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new SlackApiError(`Slack ${method}: HTTP ${res.status}; retry later or check https://slack-status.com`);
    const reply = SlackReply.parse(await res.json());
    // Slack answers HTTP 200 with ok:false for application errors (channel_not_found, not_in_channel, invalid_auth...).
    if (!reply.ok) throw new SlackApiError(`Slack ${method} failed: ${reply.error ?? 'unknown error'}; check SLACK_BOT_TOKEN scopes (chat:write) and that the bot is in the channel`);
    return reply;
  }

  async postMessage(channel: string, text: string, blocks: Block[]): Promise<{ channel: string; ts: string }> {
    const r = await this.#call('chat.postMessage', { channel, text, blocks });
    return { channel: r.channel ?? channel, ts: r.ts ?? '' };
  }

  async update(channel: string, ts: string, text: string, blocks: Block[]): Promise<void> {
    await this.#call('chat.update', { channel, ts, text, blocks });
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.#call('chat.postEphemeral', { channel, user, text });
  }
}

export interface SlackRouteDeps {
  /** Undefined disables the route: it answers 404 (the channel is off without its secret). */
  signingSecret?: string;
  clock: Clock;
  logger?: Logger;
  onDecision(decision: SlackDecision): Promise<void>;
}

function parseInteraction(req: HttpRequest): unknown {
  const type = req.headers['content-type'] ?? '';
  const text = req.rawBody.toString('utf8');
  if (type.includes('application/json')) return parseJsonBody(text);
  const payload = new URLSearchParams(text).get('payload');
  return payload === null ? null : parseJsonBody(payload);
}

export function slackRoute(deps: SlackRouteDeps): HttpRoute {
  const logger = (deps.logger ?? silentLogger).child({ channel: 'slack' });
  return {
    method: 'POST',
    path: '/slack/events',
    maxBodyBytes: 256 * 1024,
    async handle(req): Promise<HttpResponse> {
      if (!deps.signingSecret) return errorResponse(404, 'Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to enable it');
      const v = verifySlackRequest({
        signingSecret: deps.signingSecret,
        timestamp: req.headers['x-slack-request-timestamp'],
        signature: req.headers['x-slack-signature'],
        rawBody: req.rawBody,
        nowSeconds: Math.floor(deps.clock.now().getTime() / 1000),
      });
      if (!v.ok) {
        logger.warn({ reason: v.reason, remote: req.remoteAddress }, 'slack request refused');
        return errorResponse(401, `Slack request refused: ${v.reason}`);
      }
      let body: unknown;
      try {
        body = parseInteraction(req);
      } catch {
        return errorResponse(400, 'body is not JSON or a form with a JSON `payload` field');
      }
      const challenge = z.object({ type: z.literal('url_verification'), challenge: z.string() }).safeParse(body);
      if (challenge.success) return { status: 200, body: { challenge: challenge.data.challenge } };
      const parsed = BlockActionsPayload.safeParse(body);
      if (!parsed.success) {
        logger.debug('slack interaction ignored (not a block_actions payload)');
        return { status: 200 };
      }
      const p = parsed.data;
      const action = p.actions.find((a) => a.action_id === APPROVE_ACTION || a.action_id === REJECT_ACTION);
      let target: ReturnType<typeof ButtonValue.safeParse> | undefined;
      try {
        target = action?.value ? ButtonValue.safeParse(parseJsonBody(action.value, 4)) : undefined;
      } catch {
        // Signed by Slack, so our own button cannot have produced it: an old or foreign message.
        logger.warn({ actionId: action?.action_id }, 'slack button value is not JSON; not a Policy Guard button');
        return errorResponse(400, 'button value is not the JSON Policy Guard puts on its buttons; use the buttons of a current Policy Guard message');
      }
      const channel = p.channel?.id ?? p.container.channel_id;
      if (!action || !target?.success || !channel || !p.container.message_ts) {
        logger.debug('slack interaction ignored (not a Policy Guard button)');
        return { status: 200 };
      }
      // Ack within Slack's 3 s: the decision is recorded and the verdict recomputed by the worker.
      await deps.onDecision({
        slackUserId: p.user.id,
        decision: action.action_id === APPROVE_ACTION ? 'approve' : 'reject',
        target: target.data,
        channel,
        messageTs: p.container.message_ts,
        actionTs: action.action_ts,
      });
      return { status: 200 };
    },
  };
}
