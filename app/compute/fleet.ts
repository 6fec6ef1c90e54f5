/**
 * The fleet's recommend and what-if as per-service tasks on the compute pool. A service is
 * calibrated on its own SLOs and each SLO's what-if draws are seeded by the SLO alone, so the
 * merged result equals one call over the whole fleet (test/compute/pool.test.ts checks it).
 */
import { setMaxListeners } from 'node:events';
import { mergeRecommendParts, type RecommendResult } from '../core/recommend/index.js';
import { resolveOptions } from '../core/recommend/options.js';
import type { Proposal } from '../core/report.js';
import type { EndpointHistory } from '../core/types.js';
import type { ComputePool, TaskOptions } from './pool.js';
import type { PlainRecommendOptions, WhatIfPart } from './tasks.js';

/** Indexes of `items` per service, services in order of first appearance. */
export function byService<T extends { service: string }>(items: T[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [i, x] of items.entries()) {
    const list = out.get(x.service);
    if (list) list.push(i);
    else out.set(x.service, [i]);
  }
  return out;
}

/**
 * Runs `run` for each item with one signal: the first failure aborts the others (a queued task never
 * starts, a running one's thread is stopped), so a failed analysis leaves no work behind in the pool.
 */
async function allOrNone<T, R>(items: T[], task: TaskOptions, run: (item: T, task: TaskOptions) => Promise<R>): Promise<R[]> {
  const failed = new AbortController();
  const signal = task.signal ? AbortSignal.any([task.signal, failed.signal]) : failed.signal;
  setMaxListeners(0, signal); // one listener per queued task (the pool's), not a leak
  return Promise.all(items.map((x) => run(x, { ...task, signal }).catch((err: unknown) => {
    failed.abort(err);
    throw err;
  })));
}

/** recommend(histories, options) as one task per service; tasks run while others are queued. */
export async function recommendOnPool(pool: ComputePool, histories: EndpointHistory[], options: PlainRecommendOptions, task: TaskOptions = {}): Promise<RecommendResult> {
  const parts = await allOrNone([...byService(histories).values()], task, async (indexes, t) => ({
    indexes,
    part: await pool.recommend({ histories: indexes.map((i) => histories[i]!), options }, t),
  }));
  return mergeRecommendParts(parts, resolveOptions(options).intervalLevel);
}

/** The what-if step's basis and scenarios for `proposals`, one task per service; entry i belongs to proposals[i]. */
export async function whatIfOnPool(pool: ComputePool, histories: EndpointHistory[], proposals: Proposal[], periodSeconds: number, task: TaskOptions = {}): Promise<WhatIfPart> {
  const historiesOf = byService(histories);
  const out: WhatIfPart = proposals.map(() => ({}));
  await allOrNone([...byService(proposals).entries()], task, async ([service, indexes], t) => {
    const part = await pool.whatIf({ histories: (historiesOf.get(service) ?? []).map((i) => histories[i]!), proposals: indexes.map((i) => proposals[i]!), periodSeconds }, t);
    for (const [k, i] of indexes.entries()) out[i] = part[k]!;
  });
  return out;
}
