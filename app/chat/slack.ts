/**
 * Slack for Policy Guard, through Slack's own libraries (issue 13): an approval message with
 * Approve / Reject buttons (Block Kit, chat.postMessage), the interaction endpoint `/slack/events`,
 * and chat.update / chat.postEphemeral for the outcome.
 *
 * - `/slack/events` is a Bolt `App` behind a custom receiver (`HttpRouteReceiver`) that is one
 *   HttpRoute of the one `slo-scout serve` server, so it keeps the server's body cap (413), JSON
 *   depth check (400), deadline (503) and logging. The receiver checks the v0 signature with
 *   Bolt's `verifySlackRequest` (HMAC-SHA256, compared in constant time by `tsscmp`) and adds what
 *   Bolt does not: a timestamp from the future is refused like a stale one, and the time comes from
 *   the injected clock. It answers `ssl_check` and `url_verification` as Bolt's HTTPReceiver does.
 * - A button click is acknowledged first (`ack()` answers the HTTP request, well within Slack's
 *   3 s); the decision is recorded after that, and the clicker gets an ephemeral reply either way.
 * - Web API calls go through `@slack/web-api`'s WebClient (shipped with Bolt): its retries and its
 *   429 Retry-After handling, bounded here so a Slack outage cannot hang a worker job.
 */
import { App, LogLevel, verifySlackRequest as boltVerifySlackRequest, webApi, type Logger as SlackLogger, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { errorResponse, type HttpRequest, type HttpResponse, type HttpRoute } from '../server/http.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Clock } from '../deps.js';
import { parseJsonBody } from '../server/json.js';

/** Slack refuses to let apps accept requests older than five minutes (replay protection). */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;
export const APPROVE_ACTION = 'slo_scout_approve';
export const REJECT_ACTION = 'slo_scout_reject';
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export type SlackVerification = { ok: true } | { ok: false; reason: string };

/**
 * v0 signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the signing secret, checked by
 * Bolt's `verifySlackRequest` (constant-time compare). Bolt only refuses timestamps more than five
 * minutes in the past; one more than five minutes in the future is refused here too.
 */
export function verifySlackRequest(opts: { signingSecret: string; timestamp?: string; signature?: string; rawBody: Buffer; nowSeconds: number }): SlackVerification {
  const { timestamp, signature } = opts;
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a number' };
  const ts = Number(timestamp);
  if (Math.abs(opts.nowSeconds - ts) > SLACK_MAX_SKEW_SECONDS) return { ok: false, reason: 'request timestamp is more than 5 minutes away from now (stale or replayed)' };
  try {
    boltVerifySlackRequest({
      signingSecret: opts.signingSecret,
      body: opts.rawBody.toString('utf8'),
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
      nowMilliseconds: opts.nowSeconds * 1000,
    });
  } catch (err) {
    // Bolt's messages say which rule failed ("signature mismatch", "unknown signature version"); no secret in them.
    return { ok: false, reason: (err as Error).message.replace(/^Failed to verify authenticity: /, '') };
  }
  return { ok: true };
}

/** What Slack puts in X-Slack-Signature (for tests and local stand-ins). */
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

/**
 * Retries of one Web API call (node-retry options, used by WebClient through p-retry): two more
 * tries within 20 s for network errors and 5xx. A 429 waits its Retry-After inside the try, which
 * no retry option bounds, so every call also has an overall deadline (`callDeadlineMs`).
 */
export const SLACK_RETRY_CONFIG = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000, maxRetryTime: 20_000, randomize: true } as const;
/** Per HTTP request to Slack. */
export const SLACK_REQUEST_TIMEOUT_MS = 10_000;
/** Per Web API call, retries and Retry-After waits included: a Slack outage costs a job at most this. */
export const SLACK_CALL_DEADLINE_MS = 60_000;

/** pino behind the Logger interface Bolt and WebClient log through (levels stay pino's). */
export function slackLogger(log: Logger): SlackLogger {
  const emit = (level: 'debug' | 'info' | 'warn' | 'error') => (...msg: unknown[]) => {
    if (!log.isLevelEnabled(level)) return;
    const err = msg.find((m): m is Error => m instanceof Error);
    const text = msg.filter((m) => !(m instanceof Error)).map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
    log[level](err ? { err } : {}, text || err?.message || '');
  };
  const level = (): LogLevel => {
    if (log.isLevelEnabled('debug')) return LogLevel.DEBUG;
    if (log.isLevelEnabled('info')) return LogLevel.INFO;
    return log.isLevelEnabled('warn') ? LogLevel.WARN : LogLevel.ERROR;
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), getLevel: level, setLevel: () => undefined, setName: () => undefined };
}

export interface SlackClientOptions {
  /** Base URL of the Web API (SLACK_API_URL); default https://slack.com/api/. */
  apiUrl?: string;
  logger?: Logger;
  retryConfig?: webApi.RetryOptions;
  requestTimeoutMs?: number;
  callDeadlineMs?: number;
}

/** WebClient options for SLO-Scout: bounded retries, 429s waited out (within the call deadline), no absolute URLs. */
export function webClientOptions(o: SlackClientOptions = {}): webApi.WebClientOptions {
  return {
    slackApiUrl: o.apiUrl ?? DEFAULT_SLACK_API_URL,
    logger: slackLogger((o.logger ?? silentLogger).child({ channel: 'slack' })),
    retryConfig: o.retryConfig ?? { ...SLACK_RETRY_CONFIG },
    timeout: o.requestTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS,
    rejectRateLimitedCalls: false,
    allowAbsoluteUrls: false,
  };
}

function explain(method: string, err: unknown): SlackApiError {
  if (err instanceof webApi.WebAPIPlatformError) {
    // Slack answers HTTP 200 with ok:false for application errors (channel_not_found, not_in_channel, invalid_auth...).
    return new SlackApiError(`Slack ${method} failed: ${err.data.error}; check SLACK_BOT_TOKEN scopes (chat:write) and that the bot is in the channel`, { cause: err });
  }
  if (err instanceof webApi.WebAPIHTTPError) return new SlackApiError(`Slack ${method}: HTTP ${err.statusCode}; retry later or check https://slack-status.com`, { cause: err });
  const why = err instanceof Error ? err.message : String(err);
  return new SlackApiError(`Slack ${method} failed: ${why}; retry later or check https://slack-status.com (and SLACK_API_URL if set)`, { cause: err });
}

const observed = new WeakSet<webApi.WebClient>();

/**
 * The three Web API methods Policy Guard uses, over a WebClient (Bolt's listener client in
 * `/slack/events`, a new one with the bot token in the worker).
 */
export class SlackClient {
  readonly client: webApi.WebClient;
  readonly #deadlineMs: number;

  constructor(opts: ({ token: string } | { client: webApi.WebClient }) & SlackClientOptions) {
    this.client = 'client' in opts ? opts.client : new webApi.WebClient(opts.token, webClientOptions(opts));
    this.#deadlineMs = opts.callDeadlineMs ?? SLACK_CALL_DEADLINE_MS;
    const log = (opts.logger ?? silentLogger).child({ channel: 'slack' });
    // Bolt pools its listener clients: one listener per client, not one per SlackClient around it.
    if (!observed.has(this.client)) {
      observed.add(this.client);
      this.client.on(webApi.WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, { url }: { url: string }) => {
        log.warn({ retryAfterSeconds, method: url.split('/').at(-1) }, 'Slack rate-limited a call (429); waiting Retry-After before the retry');
      });
    }
  }

  async #call<T>(method: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SlackApiError(`Slack ${method} gave no answer within ${this.#deadlineMs} ms (rate-limited or down, retries included); retry later or check https://slack-status.com`)), this.#deadlineMs);
    });
    const call = run();
    call.catch(() => undefined); // a late failure after the deadline must not go unhandled
    try {
      return await Promise.race([call, deadline]);
    } catch (err) {
      throw err instanceof SlackApiError ? err : explain(method, err);
    } finally {
      clearTimeout(timer);
    }
  }

  async postMessage(channel: string, text: string, blocks: Block[]): Promise<{ channel: string; ts: string }> {
    const r = await this.#call('chat.postMessage', () => this.client.chat.postMessage({ channel, text, blocks: blocks as never }));
    return { channel: r.channel ?? channel, ts: r.ts ?? '' };
  }

  async update(channel: string, ts: string, text: string, blocks: Block[]): Promise<void> {
    await this.#call('chat.update', () => this.client.chat.update({ channel, ts, text, blocks: blocks as never }));
  }

  async postEphemeral(channel: string, user: string, text: string): Promise<void> {
    await this.#call('chat.postEphemeral', () => this.client.chat.postEphemeral({ channel, user, text }));
  }
}

/** A request refused before it was acknowledged (answered with `status`, not passed to Bolt's error log). */
export class SlackRequestRefused extends Error {
  readonly code = 'slo_scout_slack_request_refused';
  constructor(readonly status: number, message: string) { super(message); }
}

type AckBody = string | Record<string, unknown> | undefined;

function parseInteraction(req: HttpRequest): unknown {
  const type = req.headers['content-type'] ?? '';
  const text = req.rawBody.toString('utf8');
  if (type.includes('application/json')) return parseJsonBody(text);
  const form = new URLSearchParams(text);
  const payload = form.get('payload');
  // Interactions carry a JSON `payload` field; slash commands are plain form fields.
  return payload === null ? Object.fromEntries(form) : parseJsonBody(payload);
}

/**
 * A Bolt receiver that is an HttpRoute of our server instead of a server of its own. `handle`
 * verifies, parses and hands the body to `app.processEvent`; it answers as soon as a listener
 * calls `ack()`, while the listener goes on. A body no listener acknowledges gets an empty 200.
 */
export class HttpRouteReceiver implements Receiver {
  #app?: App;
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(private readonly o: { signingSecret: string; clock: Clock; logger: Logger; path?: string; maxBodyBytes?: number }) {}

  init(app: App): void { this.#app = app; }
  async start(): Promise<void> { /* the server is started by app/server/server.ts */ }
  async stop(): Promise<void> { await this.drain(); }

  /** Resolves once every listener that is still running after its ack has finished (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
  }

  route(): HttpRoute {
    return { method: 'POST', path: this.o.path ?? '/slack/events', maxBodyBytes: this.o.maxBodyBytes ?? 256 * 1024, handle: (req) => this.handle(req) };
  }

  async handle(req: HttpRequest): Promise<HttpResponse> {
    const log = this.o.logger;
    const app = this.#app;
    if (!app) throw new Error('HttpRouteReceiver.handle called before the Bolt App was created with it');
    const type = req.headers['content-type'] ?? '';
    // Slack's ssl_check carries no signature; Bolt answers it 200 and drops the rest of the body.
    if (type.includes('application/x-www-form-urlencoded') && new URLSearchParams(req.rawBody.toString('utf8')).get('ssl_check') === '1') return { status: 200 };
    const v = verifySlackRequest({
      signingSecret: this.o.signingSecret,
      timestamp: req.headers['x-slack-request-timestamp'],
      signature: req.headers['x-slack-signature'],
      rawBody: req.rawBody,
      nowSeconds: Math.floor(this.o.clock.now().getTime() / 1000),
    });
    if (!v.ok) {
      log.warn({ reason: v.reason, remote: req.remoteAddress }, 'slack request refused');
      return errorResponse(401, `Slack request refused: ${v.reason}`);
    }
    let body: unknown;
    try {
      body = parseInteraction(req);
    } catch {
      return errorResponse(400, 'body is not JSON or a form with a JSON `payload` field');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return errorResponse(400, 'body is not a Slack payload (a JSON object)');
    const challenge = z.object({ type: z.literal('url_verification'), challenge: z.string().max(1_000) }).safeParse(body);
    if (challenge.success) return { status: 200, body: { challenge: challenge.data.challenge } };

    let acked = false;
    let answer!: (r: HttpResponse) => void;
    let fail!: (err: unknown) => void;
    const response = new Promise<HttpResponse>((resolve, reject) => { answer = resolve; fail = reject; });
    const retryNum = Number(req.headers['x-slack-retry-num']);
    const event: ReceiverEvent = {
      body: body as Record<string, unknown>,
      ...(Number.isInteger(retryNum) ? { retryNum } : {}),
      ...(req.headers['x-slack-retry-reason'] ? { retryReason: req.headers['x-slack-retry-reason'] } : {}),
      ack: async (reply?: AckBody) => {
        if (acked) return; // a second ack (a listener and Bolt both) changes nothing
        acked = true;
        answer(reply === undefined || reply === '' ? { status: 200 } : { status: 200, body: reply });
      },
    };
    const processing = app.processEvent(event).then(
      () => { if (!acked) { acked = true; answer({ status: 200 }); } },
      (err: unknown) => {
        const e = (err as { original?: unknown } | null)?.original ?? err; // Bolt wraps errors without a `code` in UnknownError
        if (!acked) {
          acked = true;
          if (e instanceof SlackRequestRefused) answer(errorResponse(e.status, e.message));
          else fail(e);
        } else log.error({ err: e }, 'slack listener failed after the request was acknowledged');
      },
    );
    this.#inflight.add(processing);
    void processing.finally(() => this.#inflight.delete(processing));
    return response;
  }
}

export interface SlackRouteDeps {
  /** Undefined disables the route: it answers 404 (the channel is off without its secret). */
  signingSecret?: string;
  /** The bot token Bolt's listener client calls the Web API with (chat.postEphemeral). */
  botToken?: string;
  /** SLACK_API_URL; default https://slack.com/api/. */
  apiUrl?: string;
  clock: Clock;
  logger?: Logger;
  /** Overrides of the WebClient's retry bounds (tests). */
  client?: Omit<SlackClientOptions, 'apiUrl' | 'logger'>;
  /** Runs after the click was acknowledged; `slack` wraps Bolt's client for the ephemeral reply. */
  onDecision(decision: SlackDecision, slack: SlackClient): Promise<void>;
}

export type SlackRoute = HttpRoute & {
  /** Resolves when no decision is still being taken after its ack (tests, shutdown). */
  drain(): Promise<void>;
};

/** The Policy Guard decision in a click: undefined when it is not one of our buttons, a 400 when its value is not our JSON. */
function decisionOf(body: unknown, log: Logger): SlackDecision | undefined {
  const parsed = BlockActionsPayload.safeParse(body);
  if (!parsed.success) return undefined;
  const p = parsed.data;
  const action = p.actions.find((a) => a.action_id === APPROVE_ACTION || a.action_id === REJECT_ACTION);
  let target: ReturnType<typeof ButtonValue.safeParse> | undefined;
  try {
    target = action?.value ? ButtonValue.safeParse(parseJsonBody(action.value, 4)) : undefined;
  } catch {
    // Signed by Slack, so our own button cannot have produced it: an old or foreign message.
    log.warn({ actionId: action?.action_id }, 'slack button value is not JSON; not a Policy Guard button');
    throw new SlackRequestRefused(400, 'button value is not the JSON Policy Guard puts on its buttons; use the buttons of a current Policy Guard message');
  }
  const channel = p.channel?.id ?? p.container.channel_id;
  if (!action || !target?.success || !channel || !p.container.message_ts) return undefined;
  return {
    slackUserId: p.user.id,
    decision: action.action_id === APPROVE_ACTION ? 'approve' : 'reject',
    target: target.data,
    channel,
    messageTs: p.container.message_ts,
    actionTs: action.action_ts,
  };
}

/** `/slack/events`: Bolt's App on our server, with the Approve / Reject listeners of Policy Guard. */
export function slackRoute(deps: SlackRouteDeps): SlackRoute {
  const logger = (deps.logger ?? silentLogger).child({ channel: 'slack' });
  const path = '/slack/events';
  const maxBodyBytes = 256 * 1024;
  if (!deps.signingSecret) {
    return {
      method: 'POST', path, maxBodyBytes, drain: async () => undefined,
      handle: async () => errorResponse(404, 'Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to enable it'),
    };
  }
  const receiver = new HttpRouteReceiver({ signingSecret: deps.signingSecret, clock: deps.clock, logger, path, maxBodyBytes });
  const clientOptions = webClientOptions({ ...deps.client, apiUrl: deps.apiUrl, logger });
  // Bolt hands listeners a client with the token only when the payload names its team; otherwise this one.
  const withToken = deps.botToken ? new webApi.WebClient(deps.botToken, clientOptions) : undefined;
  const app = new App({
    receiver,
    // One workspace, one bot token: no auth.test round trip before each click (Bolt's default for `token`).
    authorize: async () => ({ ...(deps.botToken ? { botToken: deps.botToken } : {}) }),
    logger: slackLogger(logger),
    clientOptions,
    ignoreSelf: false,
    convoStore: false,
  });
  // Bolt's default error handler logs and rethrows; the receiver decides the answer (or logs once after the ack).
  app.error(async (err) => { throw err; });
  for (const actionId of [APPROVE_ACTION, REJECT_ACTION]) {
    app.action(actionId, async ({ ack, body, client }) => {
      const decision = decisionOf(body, logger);
      await ack();
      if (!decision) {
        logger.debug('slack interaction ignored (not a Policy Guard button)');
        return;
      }
      const slack = new SlackClient({ client: client.token ? client : (withToken ?? client), callDeadlineMs: deps.client?.callDeadlineMs, logger });
      try {
        await deps.onDecision(decision, slack);
      } catch (err) {
        // Acknowledged already: the clicker hears that it did not count (a store outage, say) and clicks again later.
        logger.error({ err, repo: decision.target.repo, pr: decision.target.pr }, 'slack decision could not be recorded');
        await slack.postEphemeral(decision.channel, decision.slackUserId, `Your ${decision.decision} for ${decision.target.repo}#${decision.target.pr} could not be processed (SLO-Scout's database or queue is unavailable right now), so it may not count. Please click the button again in a minute.`)
          .catch((e: unknown) => logger.warn({ err: e }, 'slack ephemeral reply failed'));
      }
    });
  }
  return { ...receiver.route(), drain: () => receiver.drain() };
}
