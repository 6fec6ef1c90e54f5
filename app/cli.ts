/**
 * The `slo-scout` CLI. Each command lives in app/cli/<name>.ts and exports
 * `register(program)`; add a command by adding a file and one entry to app/cli/manifest.ts.
 * Only the module of the command being run is imported (start-up: bench/cli-startup.ts).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError } from './cli/errors.js';
import { redactUrl } from './redact.js';
import { COMMANDS, commandName, requestedCommand } from './cli/manifest.js';

const pkg = JSON.parse(readFileSync(new URL(import.meta.url.includes('/dist/') ? '../../package.json' : '../package.json', import.meta.url), 'utf8')) as { version: string };

/** `argv` picks which command module is loaded; the others are listed from the manifest. Without it, all load. */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const program = new Command('slo-scout')
    .description('Turns real telemetry into reviewed, enforceable SLOs.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const wanted = argv ? requestedCommand(argv.slice(2)) : undefined;
  for (const entry of COMMANDS) {
    if (!argv || commandName(entry) === wanted) (await entry.load()).register(program);
    else program.command(entry.usage).description(entry.description);
  }
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`slo-scout: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`slo-scout: unexpected error: ${redactUrl((err as Error).stack ?? String(err))}\n`);
    return 1;
  }
}
