/**
 * Recommend and what-if on the compute pool while the histories are still being fetched: each batch a
 * source hands over (HistoryBatchHandler) is submitted per service at once, and each service's
 * what-if as soon as its proposals are back. The merge uses the fetch's final order, so the result is
 * the one recommendOnPool / whatIfOnPool give on the whole fleet afterwards.
 */
import { setMaxListeners } from 'node:events';
import { mergeRecommendParts, type RecommendPart, type RecommendResult } from '../core/recommend/index.js';
import type { Proposal } from '../core/report.js';
import { resolveOptions } from '../core/recommend/options.js';
import type { EndpointHistory } from '../core/types.js';
import { byService, recommendOnPool } from './fleet.js';
import type { ComputePool, TaskOptions } from './pool.js';
import type { PlainRecommendOptions, WhatIfPart } from './tasks.js';

export class StreamedRecommend {
  private readonly parts: Array<Promise<{ histories: EndpointHistory[]; part: RecommendPart } | undefined>> = [];
  private readonly whatIfs: Array<Promise<void>> = [];
  /** Services whose what-if waits for `whatIfLater` (their proposals may still change), by name. */
  private readonly held = new Map<string, EndpointHistory[]>();
  private readonly services = new Set<string>();
  private readonly stop = new AbortController();
  private failed: { err: unknown } | undefined;
  private submitted = 0;

  /**
   * `recommend` and `whatIf` carry each phase's limit (its signal and in-process checkpoint); the
   * what-if is left out when `whatIf` is absent. A service for which `whatIf.hold` says true gets its
   * what-if only from `whatIfLater`, with the proposals that are final then.
   */
  constructor(
    private readonly pool: ComputePool,
    private readonly options: PlainRecommendOptions,
    private readonly recommend: TaskOptions,
    private readonly whatIf?: { periodSeconds: number; task: TaskOptions; hold?: (histories: EndpointHistory[]) => boolean },
  ) {
    setMaxListeners(0, this.stop.signal);
  }

  private task(t: TaskOptions): TaskOptions {
    const signal = t.signal ? AbortSignal.any([t.signal, this.stop.signal]) : this.stop.signal;
    setMaxListeners(0, signal);
    return { ...t, signal };
  }

  private fail(err: unknown): undefined {
    if (!this.failed) {
      this.failed = { err };
      this.stop.abort(err); // the other tasks of this analysis stop too
    }
    return undefined;
  }

  /** Submits some services' histories (every endpoint of each service at once), with these options (default the constructor's). */
  add(histories: EndpointHistory[], options: PlainRecommendOptions = this.options): void {
    for (const indexes of byService(histories).values()) {
      const hs = indexes.map((i) => histories[i]!);
      const service = hs[0]!.service;
      if (this.services.has(service)) {
        this.fail(new Error(`the datasource handed over service ${service} twice: its SLOs must be calibrated together`));
        return;
      }
      this.services.add(service);
      this.submitted += hs.length;
      const hold = this.whatIf?.hold?.(hs) ?? false;
      if (hold) this.held.set(service, hs);
      if (this.whatIf && !hold && this.pool.recommendWhatIf) {
        // Proposals final after recommend: one task does both, the histories go out once and the proposals never go back in.
        const both = this.pool.recommendWhatIf({ histories: hs, options, periodSeconds: this.whatIf.periodSeconds }, { recommend: this.task(this.recommend), whatIf: this.task(this.whatIf.task) });
        const part = both.part.then((p) => ({ histories: hs, part: p }), (err: unknown) => this.fail(err));
        this.parts.push(part);
        this.whatIfs.push(Promise.all([both.part, both.whatIf]).then(([p, results]) => applyWhatIf(p.proposals.map((x) => x.proposal), results), (err: unknown) => {
          this.fail(err);
        }));
        continue;
      }
      this.parts.push(this.pool.recommend({ histories: hs, options }, this.task(this.recommend)).then((part) => {
        if (this.whatIf && !hold) this.whatIfs.push(this.whatIfOf(hs, part.proposals.map((x) => x.proposal), this.whatIf));
        return { histories: hs, part };
      }, (err: unknown) => this.fail(err)));
    }
  }

  private async whatIfOf(histories: EndpointHistory[], proposals: Proposal[], w: { periodSeconds: number; task: TaskOptions }): Promise<void> {
    if (proposals.length === 0) return;
    try {
      applyWhatIf(proposals, await this.pool.whatIf({ histories, proposals, periodSeconds: w.periodSeconds }, this.task(w.task)));
    } catch (err) {
      this.fail(err);
    }
  }

  /** The fleet's RecommendResult once every part is back; `all` is the fetch's result (its order rules). */
  async result(all: EndpointHistory[]): Promise<RecommendResult> {
    const parts = await Promise.all(this.parts);
    if (this.failed) throw this.failed.err;
    const index = new Map(all.map((h, i) => [h, i]));
    if (this.submitted !== all.length || parts.some((p) => p!.histories.some((h) => !index.has(h)))) {
      throw new Error(`the datasource handed over ${this.submitted} endpoint histories in batches but returned ${all.length}`);
    }
    return mergeRecommendParts(parts.map((p) => ({ indexes: p!.histories.map((h) => index.get(h)!), part: p!.part })), resolveOptions(this.options).intervalLevel);
  }

  /** Stops every task of this analysis (a batch could not be submitted): none is left running in the pool. */
  abort(err: unknown): void {
    this.fail(err);
  }

  /** recommend over more histories (the AI layer's second pass) on the pool, under the recommend limit; stops with the rest. */
  async recommendMore(histories: EndpointHistory[], options: PlainRecommendOptions): Promise<RecommendResult> {
    try {
      return await recommendOnPool(this.pool, histories, options, this.task(this.recommend));
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  /** Services whose what-if is held (`whatIf.hold`), in the order they came in. */
  heldServices(): string[] {
    return [...this.held.keys()];
  }

  /**
   * Submits the what-if of `service` (held, or to be redone) with its final `proposals`, in report
   * order; they get their scenarios in place. Call after `result`, before `whatIfDone`.
   */
  whatIfLater(service: string, histories: EndpointHistory[], proposals: Proposal[]): void {
    this.held.delete(service);
    if (this.whatIf) this.whatIfs.push(this.whatIfOf(histories, proposals, this.whatIf));
  }

  /** Every service's what-if is done (after `result`); the count of proposals that got scenarios. */
  async whatIfDone(): Promise<void> {
    await Promise.all(this.parts);
    await Promise.all(this.whatIfs);
    if (this.failed) throw this.failed.err;
    if (this.held.size) throw new Error(`internal: the what-if of ${[...this.held.keys()].slice(0, 3).join(', ')} was held and never submitted`);
  }
}

/** Each proposal gets its what-if results in place: the same objects the merged result holds (or the caller's final ones), so the report gets them. */
function applyWhatIf(proposals: Proposal[], results: WhatIfPart): void {
  for (const [i, p] of proposals.entries()) {
    const r = results[i]!;
    if (r.basis) p.simulationBasis = r.basis;
    if (r.whatIf) p.whatIf = r.whatIf;
  }
}
