/**
 * Entry of the compute pool's worker threads (app/compute/pool.ts): runs one task of plain data.
 * Loaded as .js from dist/, or as .ts under tsx and vitest (the pool adds `--import tsx`).
 */
import { runTask, type ComputeTask } from './tasks.js';

export default function run(task: ComputeTask): ReturnType<typeof runTask> {
  return runTask(task);
}
