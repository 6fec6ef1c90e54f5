import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear: tokens and secrets never reach a log line. */
export const REDACT_PATHS = [
  'password', '*.password', 'token', '*.token', 'secret', '*.secret', 'privateKey', '*.privateKey',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers["x-hub-signature-256"]', 'headers["x-slack-signature"]', 'headers["x-pagerduty-signature"]',
  'bearerToken', '*.bearerToken', 'webhookSecret', '*.webhookSecret', 'databaseUrl', '*.databaseUrl',
];

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    { name: options.name ?? 'slo-scout', level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything: the default when a caller passes none (library use, tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
