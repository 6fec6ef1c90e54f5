import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/** Paths pino blanks out wherever they appear: tokens and secrets never reach a log line. */
export const REDACT_PATHS = [
  'password', '*.password', 'token', '*.token', 'secret', '*.secret', 'privateKey', '*.privateKey',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers["x-hub-signature-256"]', 'headers["x-slack-signature"]', 'headers["x-pagerduty-signature"]',
  'bearerToken', '*.bearerToken', 'webhookSecret', '*.webhookSecret', 'databaseUrl', '*.databaseUrl',
];

// Error properties that carry request bodies: @octokit/webhooks attaches the whole delivery
// (`event.payload`, up to 25 MB) to every error it raises, and pino would print it with the error.
const BODY_KEYS = ['event', 'payload', 'body', 'rawBody'];

function scrubError(serialized: unknown, depth = 0): unknown {
  if (!serialized || typeof serialized !== 'object' || depth > 3) return serialized;
  const o = serialized as Record<string, unknown>;
  for (const k of BODY_KEYS) if (k in o) o[k] = '[omitted]';
  if (Array.isArray(o.aggregateErrors)) o.aggregateErrors = o.aggregateErrors.map((e) => scrubError(e, depth + 1));
  if (o.cause) o.cause = scrubError(o.cause, depth + 1);
  return o;
}

/** pino's error serializer without request bodies (exported for tests). */
export function serializeError(err: unknown): unknown {
  return scrubError(pino.stdSerializers.err(err as Error));
}

/**
 * JSON lines for machines (log shippers, `docker logs`), readable lines for a person at a terminal:
 * pretty when stderr is a TTY, JSON otherwise; LOG_FORMAT=json|pretty overrides. Colour follows
 * NO_COLOR. Redaction happens before formatting, so both forms hide the same fields.
 */
export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream; env?: Record<string, string | undefined> } = {}): Logger {
  const env = options.env ?? process.env;
  const level = options.level ?? env.LOG_LEVEL ?? 'info';
  const config = { name: options.name ?? 'slo-scout', level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { err: serializeError } };
  if (options.destination) return pino(config, options.destination);
  const pretty = env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT !== 'json' && Boolean(process.stderr.isTTY));
  if (!pretty) return pino(config, pino.destination(2));
  const colour = !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && Boolean(process.stderr.isTTY);
  return pino(config, PinoPretty({ destination: 2, sync: true, colorize: colour, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name' }));
}

/** A logger that drops everything: the default when a caller passes none (library use, tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
