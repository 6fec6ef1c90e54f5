import { randomBytes } from 'node:crypto';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique BullMQ prefix per test file so parallel files never see each other's jobs. */
export function uniquePrefix(label = 't'): string {
  return `slo-scout-test:${label}:${randomBytes(4).toString('hex')}`;
}
