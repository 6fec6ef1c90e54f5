/**
 * promtool run asynchronously: a `test rules` over a day of minutes takes seconds, tens of seconds
 * on a loaded machine, and a synchronous call would block the test worker's event loop for all of
 * that. Resolves with the exit code and the combined output (a failing check is a result to
 * assert on, not an exception); rejects only when promtool cannot run or overruns `timeoutMs`.
 */
import { execFile } from 'node:child_process';

export interface PromtoolRun { code: number; out: string }

export function promtool(cwd: string, ...args: string[]): Promise<PromtoolRun> {
  return promtoolWithin(180_000, cwd, ...args);
}

export function promtoolWithin(timeoutMs: number, cwd: string, ...args: string[]): Promise<PromtoolRun> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const out = `${stdout}${stderr}`;
      if (!error) return resolve({ code: 0, out });
      const e = error as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      if (e.killed) return reject(new Error(`promtool ${args.join(' ')} did not finish within ${timeoutMs / 1000} s:\n${out.slice(0, 3000)}`));
      if (typeof e.code === 'number') return resolve({ code: e.code, out });
      reject(new Error(`promtool ${args.join(' ')} could not run (${e.message}); is promtool on PATH?`));
    });
  });
}
