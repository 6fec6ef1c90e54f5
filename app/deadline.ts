/**
 * Time limits for the CPU-bound steps a repository or a commenter can drive (the recommender,
 * the what-if simulator). They run on the worker's event loop, so a long run stalls every job of
 * that process; `deadline` returns a checkpoint the core calls between steps, and a run that is
 * over its limit ends with an error that fails the job permanently (a retry would take as long).
 * The default (20 s) stays below BullMQ's 30 s lock, so a busy job is never mistaken for a dead one.
 */
import { setMaxListeners } from 'node:events';
import { UserInputError } from './ports.js';

export const DEFAULT_COMPUTE_SECONDS = 20;

export class ComputeTimeLimitError extends UserInputError {}

export function deadline(seconds: number, what: string, hint: string, now: () => number = () => performance.now()): () => void {
  const until = now() + seconds * 1000;
  return () => {
    if (now() > until) throw new ComputeTimeLimitError(`${what} took longer than its ${seconds} s limit and was stopped: ${hint}`);
  };
}

/**
 * A phase's time limit for work that may run on the compute pool's threads: `signal` aborts its
 * tasks when the time is up (a running thread is terminated, so the limit is hard) with the same
 * ComputeTimeLimitError `deadline` throws; `checkpoint` is that deadline for work run in process.
 * `start` arms it (a streamed phase starts counting when its last input is in); `clear` disarms it.
 */
export function phaseLimit(seconds: number | undefined, what: string, hint: string): { signal?: AbortSignal; checkpoint?: () => void; start(): void; clear(): void } {
  if (!seconds) return { start() {}, clear() {} };
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // every task of the phase listens to it
  let timer: NodeJS.Timeout | undefined;
  let until = Infinity;
  const error = () => new ComputeTimeLimitError(`${what} took longer than its ${seconds} s limit and was stopped: ${hint}`);
  return {
    signal: controller.signal,
    checkpoint: () => {
      if (performance.now() > until) throw error();
    },
    start() {
      if (timer !== undefined || controller.signal.aborted) return;
      until = performance.now() + seconds * 1000;
      timer = setTimeout(() => controller.abort(error()), seconds * 1000);
      timer.unref();
    },
    clear() {
      clearTimeout(timer);
    },
  };
}
