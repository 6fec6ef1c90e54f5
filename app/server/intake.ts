/**
 * Durable intake: inbox first (PostgreSQL), then the queue (Redis). A delivery counts as
 * accepted once its inbox row is committed; enqueueing is best-effort at ack time and retried by
 * the relay loop, so a Redis outage delays work but loses none of it.
 */
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';
import type { InboxDelivery, InboxStore } from '../store/inbox.js';
import type { Queues } from '../queues.js';

export interface IntakeDeps {
  inbox: InboxStore;
  queues: Queues;
  metrics: Metrics;
  logger: Logger;
  /** How long the ack path waits for Redis before leaving the delivery to the relay. */
  enqueueTimeoutMs?: number;
  /** Enqueued but unprocessed this long -> enqueued again (Redis lost its data). */
  staleAfterSeconds?: number;
}

export type AcceptOutcome = 'accepted' | 'duplicate';

export class Intake {
  readonly #timeoutMs: number;
  #relaying = false;
  readonly #inflight = new Set<Promise<boolean>>();

  constructor(private readonly deps: IntakeDeps) {
    // GitHub waits 10 s for an answer; the ack must come well before that even when Redis hangs.
    this.#timeoutMs = deps.enqueueTimeoutMs ?? 1_500;
  }

  /** Writes the delivery to the inbox (throws if PostgreSQL fails: then we must NOT acknowledge). */
  async accept(delivery: InboxDelivery): Promise<AcceptOutcome> {
    const { inserted } = await this.deps.inbox.record(delivery);
    this.deps.metrics.webhooksReceived.inc({ event: delivery.event, outcome: inserted ? 'accepted' : 'duplicate' });
    // The inbox row makes the delivery durable, so the ack need not wait for Redis: enqueue in the
    // background (a redelivery of something still waiting for Redis gets another chance too).
    const p = this.tryEnqueue(delivery.deliveryId).finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
    return inserted ? 'accepted' : 'duplicate';
  }

  /** Waits for background enqueues started by accept() (graceful shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.#inflight]);
  }

  /** Enqueues one inbox row; false (and a log line) when Redis is unreachable. Never throws. */
  async tryEnqueue(deliveryId: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const add = this.deps.queues.get('webhook').add('delivery', { deliveryId }, { jobId: deliveryId });
      add.catch(() => undefined); // a late rejection after the timeout must not go unhandled
      await Promise.race([add, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs); })]);
      await this.deps.inbox.markEnqueued(deliveryId);
      return true;
    } catch (err) {
      this.deps.logger.warn({ deliveryId, err: (err as Error).message }, 'delivery kept in the inbox; the relay enqueues it when Redis is back');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One relay pass: enqueues every inbox row not yet enqueued. Returns how many were enqueued. */
  async relayOnce(): Promise<number> {
    if (this.#relaying) return 0;
    this.#relaying = true;
    try {
      const pending = await this.deps.inbox.notEnqueued();
      let done = 0;
      for (const row of pending) {
        if (!(await this.tryEnqueue(row.deliveryId))) break; // Redis still down: stop this pass
        done++;
      }
      // Jobs Redis lost (restart without AOF): add them again under the same job id.
      for (const row of await this.deps.inbox.stale(this.deps.staleAfterSeconds ?? 600)) {
        if (!(await this.tryEnqueue(row.deliveryId))) break;
      }
      this.deps.metrics.inboxPending.set(await this.deps.inbox.countNotEnqueued());
      if (done) this.deps.logger.info({ enqueued: done }, 'relay enqueued waiting deliveries');
      return done;
    } finally {
      this.#relaying = false;
    }
  }

  /** Runs relayOnce every `intervalMs`; returns a function that stops the loop. */
  startRelay(intervalMs = 5_000): () => Promise<void> {
    let current: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      current = this.relayOnce().catch((err: unknown) => this.deps.logger.error({ err }, 'relay pass failed (PostgreSQL?); retrying next interval'));
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await current;
      await this.drain();
    };
  }
}
