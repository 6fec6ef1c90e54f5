/** Prometheus-style durations ("28d", "1h30m", "5m", "90s", "1w"), in seconds. */
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
const DURATION_RE = /^(?:(\d+)(ms|s|m|h|d|w|y))+$/;
const PART_RE = /(\d+)(ms|s|m|h|d|w|y)/g;

export class DurationError extends Error {}

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!DURATION_RE.test(trimmed)) {
    throw new DurationError(`"${text}" is not a duration; write it as Prometheus does, e.g. 28d, 1d, 6h, 30m, 1h30m`);
  }
  let seconds = 0;
  for (const m of trimmed.matchAll(PART_RE)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds <= 0) throw new DurationError(`"${text}" must be longer than zero`);
  return seconds;
}

/** The shortest Prometheus duration string for a whole number of seconds (86400 -> "1d"). */
export function formatDuration(seconds: number): string {
  if (seconds <= 0 || !Number.isFinite(seconds)) throw new DurationError(`cannot format ${seconds}s as a duration`);
  let rest = Math.round(seconds);
  let out = '';
  // No weeks: SLO periods are conventionally written in days ("28d"), and OpenSLO expects that.
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
