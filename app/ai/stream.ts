/**
 * aiRecommend (app/ai/index.ts) streamed: the AI layer's per-endpoint work runs per batch while later
 * batches' queries are out, and only what needs the whole fleet waits for the last batch.
 *
 * - Criticality labels and name embeddings are per endpoint (a label or a vector does not depend on
 *   the other endpoints), so each batch gets them when it arrives, and its services go to the
 *   compute pool at once with their selected variants (the first recommend pass).
 * - Borrowed priors need every endpoint's first-pass proposals (any endpoint of the fleet may lend),
 *   so the borrowing plan and the second pass over the thin endpoints run after the last batch.
 * - Whether an endpoint borrows at all (new or low traffic: needsBorrowing) is its own data's
 *   property, so a service none of whose endpoints can borrow has final proposals after the first
 *   pass: its what-if starts then. A service that may borrow gets its what-if after the second pass.
 *   Should a service borrow whose what-if already ran (the check here and the plan disagreeing),
 *   its what-if runs again on the final proposals, so the report never depends on the check.
 * - The criticality order of the proposals is the fleet's, applied to the merged result.
 * The result is aiRecommend's with `run` on the same pool (test/integration/compute-stream-ai.test.ts).
 */
import type { RecommendResult } from '../core/recommend/index.js';
import type { Criticality } from '../core/ai-report.js';
import type { VariantType } from '../core/report.js';
import { borrowingPlan, candidateOf, DEFAULT_BORROW, needsBorrowing, withBorrowing } from '../core/similar/index.js';
import type { EndpointHistory } from '../core/types.js';
import type { Vector } from '../core/vectors/index.js';
import { byService } from '../compute/fleet.js';
import type { ComputePool, TaskOptions } from '../compute/pool.js';
import { StreamedRecommend } from '../compute/stream.js';
import type { PlainRecommendOptions } from '../compute/tasks.js';
import type { Logger } from '../logger.js';
import { breachPriorsOf, criticalityOf, labelAndOrder, nameVectorsOf, selectedVariantsOf, variantChooser, type AiLayer } from './index.js';
import { endpointKey } from './criticality.js';

export class StreamedAiRecommend {
  private readonly stream: StreamedRecommend;
  private readonly labels = new Map<string, Criticality>();
  private readonly names = new Map<string, Vector>();
  private readonly variants: Record<string, VariantType> = {};
  private readonly started = performance.now();

  constructor(
    pool: ComputePool,
    private readonly options: PlainRecommendOptions,
    private readonly ai: AiLayer,
    private readonly logger: Logger,
    recommend: TaskOptions,
    whatIf?: { periodSeconds: number; task: TaskOptions },
  ) {
    this.stream = new StreamedRecommend(pool, options, recommend, whatIf ? { ...whatIf, hold: (hs) => this.mayBorrow(hs) } : undefined);
  }

  /** True when an endpoint of these (one service's) could borrow a prior: new or low traffic in the window. */
  private mayBorrow(histories: EndpointHistory[]): boolean {
    if (!this.ai.settings.borrowPriors) return false;
    const { end, windowSeconds, breachWindowSeconds } = this.options;
    const start = end - windowSeconds;
    const expected = Math.round(windowSeconds / breachWindowSeconds);
    return histories.some((h) => {
      const name = this.names.get(endpointKey(h));
      // Without a name the endpoint neither lends nor borrows (borrowingPlan).
      if (!name) return false;
      // The windows borrowingPlan profiles: those inside the analysed window.
      const windows = h.windows.filter((w) => w.start >= start - 1e-6 && w.end <= end + 1e-6);
      return needsBorrowing(candidateOf({ ...h, windows }, name), expected, DEFAULT_BORROW) !== null;
    });
  }

  /** One batch: its labels and name vectors, then its services to the pool (first pass). */
  async add(histories: EndpointHistory[]): Promise<void> {
    const labels = await criticalityOf(this.ai, histories);
    for (const [k, v] of labels) this.labels.set(k, v);
    if (this.ai.settings.borrowPriors) for (const [k, v] of await nameVectorsOf(this.ai, histories)) this.names.set(k, v);
    const variantOf = variantChooser(this.ai, this.options, labels);
    if (!variantOf) return this.stream.add(histories);
    const table = selectedVariantsOf(histories, variantOf);
    Object.assign(this.variants, table);
    this.stream.add(histories, { ...this.options, selectedVariants: table });
  }

  /** The fleet's result once every batch is in: first pass merged, borrowing, criticality order; held what-ifs submitted. */
  async result(all: EndpointHistory[]): Promise<RecommendResult> {
    const first = await this.stream.result(all);
    const options: PlainRecommendOptions = this.ai.settings.criticality.enabled ? { ...this.options, selectedVariants: this.variants } : this.options;
    let result: RecommendResult = first;
    let redo = new Set<string>();
    if (this.ai.settings.borrowPriors) {
      const plan = borrowingPlan(all, this.options, this.names, first);
      if (plan.thin.length) result = withBorrowing(first, await this.stream.recommendMore(plan.thin, { ...options, breachPriors: breachPriorsOf(plan) }), plan);
      redo = new Set(plan.thin.map((h) => h.service));
      this.logger.info({ borrowers: plan.plans.size }, 'priors borrowed from similar endpoints');
    }
    const proposals = labelAndOrder(result.proposals, this.labels);
    // The held services' what-if, and again any borrowing one's that was not held, on the final proposals (report order).
    const held = new Set(this.stream.heldServices());
    const again = [...redo].filter((s) => !held.has(s));
    if (again.length) this.logger.warn({ services: again.slice(0, 5) }, 'a service borrowed a prior but its what-if had started; it runs again');
    const historiesOf = byService(all);
    const proposalsOf = byService(proposals);
    for (const service of [...held, ...again]) {
      const indexes = proposalsOf.get(service) ?? [];
      this.stream.whatIfLater(service, (historiesOf.get(service) ?? []).map((i) => all[i]!), indexes.map((i) => proposals[i]!));
    }
    this.logger.info({ provider: this.ai.embedder.provider, model: this.ai.embedder.model, labelled: this.labels.size, ms: Math.round(performance.now() - this.started) }, 'ai layer applied');
    return { proposals, skipped: result.skipped, calibration: result.calibration, calibrationByService: result.calibrationByService };
  }

  abort(err: unknown): void {
    this.stream.abort(err);
  }

  whatIfDone(): Promise<void> {
    return this.stream.whatIfDone();
  }
}
