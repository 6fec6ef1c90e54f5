/**
 * Time limits for the CPU-bound steps a repository or a commenter can drive (the recommender,
 * the what-if simulator). They run on the worker's event loop, so a long run stalls every job of
 * that process; `deadline` returns a checkpoint the core calls between steps, and a run that is
 * over its limit ends with an error that fails the job permanently (a retry would take as long).
 * The default (20 s) stays below BullMQ's 30 s lock, so a busy job is never mistaken for a dead one.
 */
import { UserInputError } from './ports.js';

export const DEFAULT_COMPUTE_SECONDS = 20;

export class ComputeTimeLimitError extends UserInputError {}

export function deadline(seconds: number, what: string, hint: string, now: () => number = () => performance.now()): () => void {
  const until = now() + seconds * 1000;
  return () => {
    if (now() > until) throw new ComputeTimeLimitError(`${what} took longer than its ${seconds} s limit and was stopped: ${hint}`);
  };
}
