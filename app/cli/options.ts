import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../core/time.js';

/** Option parsers shared by the commands, so a flag means the same in every one of them. */

/** `--end`: RFC 3339 or unix seconds. */
export function parseEnd(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw new InvalidArgumentError(`"${text}" is neither RFC 3339 (2026-11-01T00:00:00Z) nor unix seconds (1793491200)`);
  }
  return ms / 1000;
}

/** `--window`, `--breach-window`: a Prometheus duration, kept as written. */
export function parseDurationOption(text: string): string {
  try {
    parseDuration(text);
    return text;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
