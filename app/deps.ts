import type { Logger } from './logger.js';

/** The clock is passed in so handlers and workers can be tested at any moment in time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const date = new Date(at);
  return { now: () => new Date(date) };
}

/** Common part of every dependency object ({ store, prometheus, vcs, logger, clock }). */
export interface BaseDeps {
  logger: Logger;
  clock: Clock;
}
