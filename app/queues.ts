/**
 * Queue names, job payloads and the options every queue and worker shares. Producers (the
 * webhook intake, the scheduler, slash-commands) and consumers (workers/*.ts) import from here
 * only, so a queue's name and payload shape live in one place.
 *
 * Ownership: `webhook`, `analyze`, `open-pr`, `simulate` — GitHub App; `policy-evaluate` —
 * Policy Guard; `ingest-flush`, `retention` — OTLP intake. Each owner keeps its payload schema
 * next to its processor or below.
 */
import { Queue, type ConnectionOptions, type DefaultJobOptions, type QueueOptions, type WorkerOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';

export const QUEUE_NAMES = ['webhook', 'analyze', 'open-pr', 'simulate', 'policy-evaluate', 'ingest-flush', 'retention'] as const;
export const QueueName = z.enum(QUEUE_NAMES);
export type QueueName = z.infer<typeof QueueName>;

/**
 * Transient failures (GitHub 5xx, Prometheus timeouts, Redis blips) retry with exponential
 * backoff: 5 attempts spread over ~1 minute (2s, 4s, 8s, 16s, 32s). Permanent ones throw
 * UnrecoverableError and are not retried. Completed jobs are trimmed so Redis does not grow.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

export interface QueueConnection {
  /** BullMQ connection (an ioredis instance, shared by queues of one process). */
  connection: ConnectionOptions;
  /** Key prefix; tests pass a unique one (test/helpers/redis.ts). */
  prefix: string;
}

/**
 * One ioredis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ requires for
 * workers (blocking commands must wait for Redis to come back instead of failing).
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

export function queueOptions(conn: QueueConnection): QueueOptions {
  return { connection: conn.connection, prefix: conn.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS };
}

export interface StallOptions {
  /** A job whose worker died (SIGKILL) is seen as stalled after its lock expires, then retried. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export function workerOptions(conn: QueueConnection, concurrency = 4, stall: StallOptions = {}): WorkerOptions {
  return { connection: conn.connection, prefix: conn.prefix, concurrency, lockDuration: stall.lockDurationMs ?? 30_000, stalledInterval: stall.stalledIntervalMs ?? 15_000, maxStalledCount: 2 };
}

/** All queues of one process, created lazily so a process only opens what it uses. */
export class Queues {
  readonly #queues = new Map<QueueName, Queue>();
  constructor(readonly conn: QueueConnection) {}

  get(name: QueueName): Queue {
    let q = this.#queues.get(name);
    if (!q) {
      q = new Queue(name, queueOptions(this.conn));
      this.#queues.set(name, q);
    }
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}

// ---- payloads (parsed with zod in each processor: a job is external data) -------------------

const Repo = z.object({ owner: z.string().min(1), repo: z.string().min(1) });

/** A webhook delivery taken from the inbox; the job id is the delivery id. */
export const WebhookJob = z.object({ deliveryId: z.string().min(1) });
export type WebhookJob = z.infer<typeof WebhookJob>;

export const Platform = z.enum(['github', 'gitlab']);

/** Analyse one SLO repo (all services or one) and hand the report to open-pr. */
export const AnalyzeJob = Repo.extend({
  platform: Platform.default('github'),
  installationId: z.number().int().optional(),
  service: z.string().optional(),
  /** Variant override from `/slo-scout variant` (balanced by default). */
  variant: z.enum(['conservative', 'balanced', 'aggressive']).optional(),
  sloId: z.string().optional(),
  reason: z.enum(['schedule', 'command', 'alert', 'config-change', 'install', 'manual']).default('manual'),
  /** PR that asked (slash-command), answered in its topic comment. */
  prNumber: z.number().int().optional(),
  /** Re-render the stored report (variant switch) instead of querying the datasources again. */
  reuseReport: z.boolean().default(false),
});
export type AnalyzeJob = z.infer<typeof AnalyzeJob>;

export const OpenPrJob = Repo.extend({
  platform: Platform.default('github'),
  installationId: z.number().int().optional(),
  /** Branch the files go to, e.g. slo-scout/checkout. */
  branch: z.string().min(1),
  title: z.string().min(1),
  body: z.string(),
  files: z.array(z.object({ path: z.string().min(1), content: z.string() })),
  labels: z.array(z.string()).default([]),
});
export type OpenPrJob = z.infer<typeof OpenPrJob>;

export const SimulateJob = Repo.extend({
  platform: Platform.default('github'),
  installationId: z.number().int().optional(),
  prNumber: z.number().int(),
  params: z.record(z.string(), z.string()),
  /** Only this service's SLOs (the PR's own service; app/commands/scope.ts). */
  service: z.string().optional(),
});
export type SimulateJob = z.infer<typeof SimulateJob>;
