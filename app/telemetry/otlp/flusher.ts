/**
 * `ingest-flush`: moves what the OTLP receiver aggregated in memory into PostgreSQL every N
 * seconds with batched inserts. The aggregator lives in the receiver's process, so the flush runs
 * there: a timer (IngestFlusher.start) or a repeatable BullMQ job consumed by a worker in that same
 * process (ingestFlushProcessor). A crash loses at most the last unflushed interval (docs/intake.md).
 * A failed flush puts the rows back (sketch merging is exact) and retries on the next tick; while
 * flushes keep failing and memory fills up, `overloaded` turns true and the receiver answers 503.
 */
import type { Logger } from '../../logger.js';
import type { SpanAggregator } from './aggregate.js';
import type { CapsuleIngestor } from './capsule-ingest.js';
import type { TelemetryStore } from '../../store/telemetry.js';
import { isStoreUnavailable } from '../../store/db.js';

export interface IngestFlushDeps {
  spans: SpanAggregator;
  capsules: CapsuleIngestor;
  store: TelemetryStore;
  logger: Logger;
  /** Flush period (default 10 s): also the most data a crash can lose. */
  intervalSeconds?: number;
  /** Series in memory at which the receiver starts shedding load once flushes fail (default 150k). */
  overloadSeries?: number;
}

export interface FlushResult {
  aggregates: number;
  rawSpans: number;
  capsules: number;
  rawLogs: number;
  rawLogsDropped: number;
  seconds: number;
}

export class IngestFlusher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<FlushResult> | undefined;
  private failures = 0;
  private storeDown = false;
  private readonly logger: Logger;

  constructor(private readonly deps: IngestFlushDeps) {
    this.logger = deps.logger.child({ component: 'ingest-flush' });
  }

  /**
   * True while the receiver should shed load (503 + Retry-After): the last flush found PostgreSQL
   * away (the exporters' retry queues hold the data better than our memory, which a crash loses),
   * or flushes keep failing and the in-memory aggregates are near their cap.
   */
  get overloaded(): boolean {
    return this.failures > 0 && (this.storeDown || this.deps.spans.seriesCount >= (this.deps.overloadSeries ?? 150_000));
  }

  /** One flush; concurrent callers share the flush in progress. */
  flushOnce(): Promise<FlushResult> {
    this.running ??= this.doFlush().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async doFlush(): Promise<FlushResult> {
    const started = performance.now();
    const aggregates = this.deps.spans.drain();
    const { capsules, raw, rawDropped } = this.deps.capsules.drain();
    const result: FlushResult = { aggregates: 0, rawSpans: 0, capsules: 0, rawLogs: 0, rawLogsDropped: rawDropped, seconds: 0 };
    try {
      result.aggregates = await this.deps.store.writeAggregates(aggregates);
    } catch (err) {
      this.failures++;
      this.storeDown = isStoreUnavailable(err);
      this.deps.spans.restore(aggregates);
      this.deps.capsules.restore(capsules);
      this.logger.error({ err, series: aggregates.length, failures: this.failures }, 'flush failed; aggregates kept in memory for the next attempt');
      throw err;
    }
    try {
      result.capsules = await this.deps.store.writeCapsules(capsules);
    } catch (err) {
      this.failures++;
      this.storeDown = isStoreUnavailable(err);
      this.deps.capsules.restore(capsules);
      this.logger.error({ err, capsules: capsules.length }, 'capsule flush failed; counts kept for the next attempt');
      throw err;
    }
    this.failures = 0;
    this.storeDown = false;
    // Raw tiers are best effort: a failure there loses raw lines but never the aggregates or capsules.
    try {
      result.rawSpans = await this.deps.store.writeRawSpans(aggregates);
      result.rawLogs = await this.deps.store.writeRawLogs(raw);
    } catch (err) {
      this.logger.warn({ err, rawLogs: raw.length }, 'raw tier write failed; raw lines of this interval are lost');
    }
    result.seconds = (performance.now() - started) / 1000;
    if (result.aggregates + result.capsules > 0) this.logger.debug(result, 'flushed telemetry');
    if (rawDropped > 0) this.logger.info({ rawDropped }, 'raw log lines over the per-interval cap were counted in capsules only');
    return result;
  }

  start(): void {
    if (this.timer) return;
    const ms = (this.deps.intervalSeconds ?? 10) * 1000;
    this.timer = setInterval(() => {
      this.flushOnce().catch(() => undefined); // logged in doFlush; retried next tick
    }, ms);
    this.timer.unref();
  }

  /** Stops the timer and flushes what is left (graceful shutdown loses nothing). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushOnce();
  }
}

