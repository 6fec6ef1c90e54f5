/**
 * The real `slo-scout serve` / `slo-scout worker` processes of the end-to-end tests (tsx app/bin.ts),
 * with the tail of their logs kept for failure messages and finished analyses counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export class AppProcesses {
  readonly logs: string[] = [];
  /** Analyses finished, counted from the worker's log (the kept log is only the tail). */
  analyses = 0;
  readonly #procs: ChildProcess[] = [];

  /** `env` is added to this process's environment; names in `unset` are removed from it. */
  start(command: 'serve' | 'worker', env: Record<string, string>, unset: string[] = []): ChildProcess {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const name of unset) delete childEnv[name];
    const p = spawn(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'app/bin.ts', command, ...(command === 'worker' ? ['--metrics-port', '0'] : [])], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (!line) continue;
        if (line.includes('"msg":"analysis done"')) this.analyses++;
        this.logs.push(`${command}: ${line.slice(0, 400)}`);
      }
      if (this.logs.length > 400) this.logs.splice(0, this.logs.length - 400);
    };
    p.stdout?.on('data', keep);
    p.stderr?.on('data', keep);
    this.#procs.push(p);
    return p;
  }

  tail(lines = 40): string {
    return this.logs.slice(-lines).join('\n');
  }

  /** SIGTERM each process (graceful shutdown), waiting up to 10 s for each to exit. */
  async stopAll(): Promise<void> {
    for (const p of this.#procs) {
      if (p.exitCode !== null) continue;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
  }
}
