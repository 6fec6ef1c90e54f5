/**
 * Limits every OTLP item passes before it costs memory (docs/resilience.md, "OTLP limits"):
 *  - timestamps: only now − 7 d … now + 1 h are accepted (older data belongs to a backfill, later
 *    data is a broken clock); anything outside the JavaScript Date range is always refused, since a
 *    single such value used to make every flush throw;
 *  - attribute values used as series keys are cut to 1024 characters, like the OTel SDK attribute
 *    value length limit (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT);
 *  - series per tenant and per window: a tenant's new series beyond its budget are rejected
 *    before a series is created, and the budget lasts the whole window, not one flush.
 */
export const MAX_AGE_SECONDS = 7 * 24 * 3600;
export const MAX_FUTURE_SECONDS = 3600;
export const MAX_VALUE_LENGTH = 1024;
export const MAX_SERIES_PER_TENANT = 10_000;
export const SERIES_WINDOW_SECONDS = 3600;

// new Date(ms) is valid up to ±8.64e15 ms (ECMAScript time values).
const MAX_DATE_SECONDS = 8.64e12;

export interface TimeWindow {
  /** The receiver's clock in ms; without it only the Date range is checked (tests, backfills). */
  now?: () => number;
  maxAgeSeconds?: number;
  maxFutureSeconds?: number;
}

/** null when `seconds` is acceptable, else the reason (for partial_success.error_message). */
export function timeProblem(seconds: number, w: TimeWindow): string | null {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_DATE_SECONDS) return 'timestamp is not a valid time';
  if (!w.now) return null;
  const now = w.now() / 1000;
  if (seconds < now - (w.maxAgeSeconds ?? MAX_AGE_SECONDS)) return `timestamp older than ${Math.round((w.maxAgeSeconds ?? MAX_AGE_SECONDS) / 86400)} days`;
  if (seconds > now + (w.maxFutureSeconds ?? MAX_FUTURE_SECONDS)) return `timestamp more than ${Math.round((w.maxFutureSeconds ?? MAX_FUTURE_SECONDS) / 60)} minutes in the future (check the sender's clock)`;
  return null;
}

/** Cuts `value` to `max` UTF-16 units without splitting a surrogate pair. */
export function truncateValue(value: string, max = MAX_VALUE_LENGTH): string {
  if (value.length <= max) return value;
  const code = value.charCodeAt(max - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * Distinct series per tenant per window. Memory is bounded by `limit` identities per tenant, and
 * one tenant's budget never touches another's.
 */
export class SeriesBudget {
  readonly #tenants = new Map<string, { window: number; seen: Set<string> }>();

  constructor(readonly limit = MAX_SERIES_PER_TENANT, readonly windowSeconds = SERIES_WINDOW_SECONDS, private readonly now: () => number = Date.now) {}

  /** True when `identity` is known for `tenant` in this window or fits in its budget (then it is counted). */
  admit(tenant: string, identity: string): boolean {
    const window = Math.floor(this.now() / 1000 / this.windowSeconds);
    let t = this.#tenants.get(tenant);
    if (!t || t.window !== window) {
      t = { window, seen: new Set() };
      this.#tenants.set(tenant, t);
    }
    if (t.seen.has(identity)) return true;
    if (t.seen.size >= this.limit) return false;
    t.seen.add(identity);
    return true;
  }

  used(tenant: string): number {
    return this.#tenants.get(tenant)?.seen.size ?? 0;
  }
}
