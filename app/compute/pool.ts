/**
 * The compute pool: the analysis's CPU-bound tasks (recommend per service, what-if per service) run
 * on worker threads, so the process's event loop stays free for BullMQ's lock renewals, health
 * checks and other tenants' jobs, and the tasks run while later queries are still out.
 *
 * Threads come from piscina (a kept worker-thread pool: queueing, abort by terminating the thread,
 * a dead thread replaced). Size: SLO_SCOUT_COMPUTE_THREADS, default os.availableParallelism() − 1
 * (at least 1); 0 runs every task in process on the caller's thread (tests, and the same code path
 * without threads). A task's input and output are plain data (structured clone).
 *
 * Time limits are hard here: a task still running when its phase's AbortSignal fires has its thread
 * terminated; the caller reports the signal's reason (app/deadline.ts's ComputeTimeLimitError).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { setMaxListeners } from 'node:events';
import { Piscina } from 'piscina';
import { z } from 'zod';
import type { RecommendPart } from '../core/recommend/index.js';
import { MessageChannel } from 'node:worker_threads';
import { runRecommendTask, runWhatIfTask, type ComputeTask, type RecommendTask, type RecommendWhatIfTask, type WhatIfPart, type WhatIfTask } from './tasks.js';

export interface ComputePool {
  /** Worker threads; 0 = in process. */
  readonly threads: number;
  recommend(task: Omit<RecommendTask, 'kind'>, opts?: TaskOptions): Promise<RecommendPart>;
  whatIf(task: Omit<WhatIfTask, 'kind'>, opts?: TaskOptions): Promise<WhatIfPart>;
  /**
   * recommend, then the what-if of its proposals, as one task (for proposals that are final after
   * recommend): `part` settles when recommend is done, `whatIf` when the task is. The `recommend`
   * limit stops the task only until its part is back, the `whatIf` limit throughout. Threads only
   * (in process the analysis is sequential).
   */
  recommendWhatIf?(task: Omit<RecommendWhatIfTask, 'kind' | 'port'>, opts: { recommend: TaskOptions; whatIf: TaskOptions }): { part: Promise<RecommendPart>; whatIf: Promise<WhatIfPart> };
  close(): Promise<void>;
}

export interface TaskOptions {
  /** Aborts the task: a queued one never starts, a running one's thread is terminated. */
  signal?: AbortSignal;
  /** In process only: the cooperative checkpoint the core calls between steps (a thread cannot take a function). */
  checkpoint?: () => void;
}

/** A compute thread died under a task (crash, out of memory): the analysis fails with this, never hangs. */
export class ComputeWorkerError extends Error {}

/** SLO_SCOUT_COMPUTE_THREADS: worker threads of the analysis (0 = in process); default one less than the CPUs. */
export const ComputeThreads = z.coerce.number().int().min(0).max(64);

export function defaultComputeThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function computeThreadsFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.SLO_SCOUT_COMPUTE_THREADS;
  if (raw === undefined || raw === '') return defaultComputeThreads();
  const r = ComputeThreads.safeParse(raw);
  if (!r.success) throw new Error(`SLO_SCOUT_COMPUTE_THREADS=${JSON.stringify(raw.slice(0, 40))}: must be a whole number from 0 (in process) to 64`);
  return r.data;
}

/** The worker entry beside this module: .ts under tsx and vitest (loaded through tsx), .js in dist/. */
function workerEntry(): { filename: string; execArgv?: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  const filename = new URL(`./worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
  return ts ? { filename, execArgv: ['--import', tsxLoader()] } : { filename };
}

/** tsx's loader as a file URL, so a thread finds it whatever the working directory ('tsx' resolves from there). */
function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}

export interface ComputePoolOptions {
  threads: number;
  /** Another worker entry (tests: one that crashes). */
  workerFile?: { filename: string; execArgv?: string[] };
  /** Heap limit of each thread, MB (piscina's resourceLimits); default Node's. */
  maxOldGenerationSizeMb?: number;
}

export function createComputePool(o: ComputePoolOptions): ComputePool {
  if (o.threads === 0) return inProcessPool();
  const entry = o.workerFile ?? workerEntry();
  const piscina = new Piscina<ComputeTask, unknown>({
    filename: entry.filename,
    ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
    minThreads: o.threads,
    maxThreads: o.threads,
    // Threads stay a while between jobs (starting one costs tens of ms, a tsx one much more), then exit.
    idleTimeout: 30_000,
    ...(o.maxOldGenerationSizeMb ? { resourceLimits: { maxOldGenerationSizeMb: o.maxOldGenerationSizeMb } } : {}),
  });
  const run = async <R>(task: ComputeTask, opts: TaskOptions = {}): Promise<R> => {
    opts.signal?.throwIfAborted();
    try {
      return (await piscina.run(task, opts.signal ? { signal: opts.signal } : {})) as R;
    } catch (err) {
      // Aborted: the caller's reason (the time limit) says what happened, not piscina's AbortError.
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (isTaskError(err)) throw err;
      throw new ComputeWorkerError(`a compute thread of the analysis stopped unexpectedly during the ${task.kind} of ${servicesOf(task)}: ${(err as Error).message}`, { cause: err });
    }
  };
  const recommendWhatIf: NonNullable<ComputePool['recommendWhatIf']> = (t, opts) => {
    const { port1, port2 } = new MessageChannel();
    // One signal for the task: the recommend limit while its part is out, the what-if limit always.
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    let partBack = false;
    const onRecommendLimit = () => { if (!partBack) stop.abort(opts.recommend.signal!.reason); };
    const onWhatIfLimit = () => stop.abort(opts.whatIf.signal!.reason);
    if (opts.recommend.signal?.aborted) onRecommendLimit();
    else opts.recommend.signal?.addEventListener('abort', onRecommendLimit, { once: true });
    if (opts.whatIf.signal?.aborted) onWhatIfLimit();
    else opts.whatIf.signal?.addEventListener('abort', onWhatIfLimit, { once: true });
    const task: RecommendWhatIfTask = { kind: 'recommend+what-if', ...t, port: port2 };
    const whatIf = (async () => {
      stop.signal.throwIfAborted();
      try {
        return (await piscina.run(task, { signal: stop.signal, transferList: [port2] })) as WhatIfPart;
      } catch (err) {
        if (stop.signal.aborted) throw stop.signal.reason;
        if (isTaskError(err)) throw err;
        throw new ComputeWorkerError(`a compute thread of the analysis stopped unexpectedly during the recommend of ${servicesOf(task)} and its what-if: ${(err as Error).message}`, { cause: err });
      } finally {
        opts.recommend.signal?.removeEventListener('abort', onRecommendLimit);
        opts.whatIf.signal?.removeEventListener('abort', onWhatIfLimit);
      }
    })();
    const part = new Promise<RecommendPart>((resolve, reject) => {
      port1.once('message', (m: RecommendPart) => {
        partBack = true;
        port1.close();
        resolve(m);
      });
      // The thread closes its end after posting the part (messages are delivered before the close).
      port1.once('close', () => {
        if (!partBack) whatIf.then(() => reject(new Error(`internal: the recommend and what-if task of ${servicesOf(task)} returned without its recommend part`)), reject);
      });
      // The task failed (in recommend, or queued and stopped before it reached a thread): the part fails the same way.
      whatIf.catch((err: unknown) => {
        port1.close();
        reject(err as Error);
      });
    });
    // Whoever awaits only one of them: the other's failure is the same failure, not an unhandled one.
    part.catch(() => undefined);
    whatIf.catch(() => undefined);
    return { part, whatIf };
  };
  return {
    threads: o.threads,
    recommend: (t, opts) => run<RecommendPart>({ kind: 'recommend', ...t }, opts),
    whatIf: (t, opts) => run<WhatIfPart>({ kind: 'what-if', ...t }, opts),
    recommendWhatIf,
    close: () => piscina.destroy(),
  };
}

/** An error the task itself threw (it reaches the caller as it would in process) rather than a dead thread. */
function isTaskError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return !(typeof code === 'string' && code.startsWith('ERR_WORKER')) && !/worker (exited|terminated)|terminating worker/i.test((err as Error | null)?.message ?? '');
}

function servicesOf(task: ComputeTask): string {
  const names = [...new Set(task.histories.map((h) => h.service))];
  return `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more services` : ''}`;
}

function inProcessPool(): ComputePool {
  const guard = <R>(opts: TaskOptions | undefined, run: () => R): Promise<R> => {
    try {
      opts?.signal?.throwIfAborted();
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err as Error);
    }
  };
  return {
    threads: 0,
    recommend: (t, opts) => guard(opts, () => runRecommendTask({ kind: 'recommend', ...t }, opts?.checkpoint)),
    whatIf: (t, opts) => guard(opts, () => runWhatIfTask({ kind: 'what-if', ...t }, opts?.checkpoint)),
    close: () => Promise.resolve(),
  };
}

let shared: ComputePool | undefined;
/** The process's pool (sized from SLO_SCOUT_COMPUTE_THREADS), created on first use and shared by every analysis. */
export function sharedComputePool(): ComputePool {
  shared ??= createComputePool({ threads: computeThreadsFromEnv() });
  return shared;
}
