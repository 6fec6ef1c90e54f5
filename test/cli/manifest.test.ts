import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandName, requestedCommand } from '../../app/cli/manifest.js';

function argUsage(c: Command): string {
  return c.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ');
}

describe('CLI manifest', () => {
  it.each(COMMANDS.map((e) => [commandName(e), e] as const))('%s: the top-level help entry matches what its module registers', async (_name, entry) => {
    const program = new Command('slo-scout');
    (await entry.load()).register(program);
    expect(program.commands).toHaveLength(1);
    const cmd = program.commands[0]!;
    expect([cmd.name(), argUsage(cmd)].filter(Boolean).join(' ')).toBe(entry.usage);
    expect(cmd.description()).toBe(entry.description);
  });

  it('lists every module in app/cli/ that registers a command', () => {
    const dir = join(import.meta.dirname, '..', '..', 'app', 'cli');
    const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && /export function register\(/.test(readFileSync(join(dir, f), 'utf8')));
    expect(modules.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(COMMANDS.map(commandName).sort());
  });

  it('finds the command in argv past options, and the argument of `help`', () => {
    expect(requestedCommand(['--help'])).toBeUndefined();
    expect(requestedCommand(['-V'])).toBeUndefined();
    expect(requestedCommand(['analyze', '--prometheus', 'http://x'])).toBe('analyze');
    expect(requestedCommand(['--help', 'demo'])).toBe('demo');
    expect(requestedCommand(['help', 'simulate'])).toBe('simulate');
  });
});
