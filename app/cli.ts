/**
 * The `slo-scout` CLI. Each command lives in app/cli/<name>.ts and exports
 * `register(program)`; add a command by adding a file and one line to COMMANDS below.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError } from './cli/errors.js';

const pkg = JSON.parse(readFileSync(new URL(import.meta.url.includes('/dist/') ? '../../package.json' : '../package.json', import.meta.url), 'utf8')) as { version: string };

export async function buildProgram(): Promise<Command> {
  const program = new Command('slo-scout')
    .description('Turns real telemetry into reviewed, enforceable SLOs.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const modules = await Promise.all(COMMANDS.map((load) => load()));
  for (const m of modules) m.register(program);
  return program;
}

// One entry per file in app/cli/ that defines a command. Literal specifiers (not a computed path)
// so bundlers and vitest can follow them.
const COMMANDS: Array<() => Promise<{ register(p: Command): void }>> = [
  () => import('./cli/analyze.js'),
  () => import('./cli/demo.js'),
  () => import('./cli/validate.js'),
  () => import('./cli/simulate.js'),
  () => import('./cli/capsules.js'),
  () => import('./cli/serve.js'),
  () => import('./cli/worker.js'),
  () => import('./cli/migrate.js'),
  () => import('./cli/audit.js'),
  () => import('./cli/completion.js'),
  () => import('./cli/setup.js'),
];

export async function main(argv = process.argv): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`slo-scout: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`slo-scout: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
