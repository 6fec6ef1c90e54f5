import { pino, type Logger } from 'pino';

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

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    { name: options.name ?? 'slo-scout', level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { err: serializeError } },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything: the default when a caller passes none (library use, tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
