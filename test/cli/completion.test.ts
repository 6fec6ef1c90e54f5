import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../app/cli.js';
import { bashCompletion, zshCompletion } from '../../app/cli/completion.js';

/** Runs the generated bash function as bash would on <TAB> and returns the candidates. */
async function complete(words: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'completion-'));
  const script = join(dir, 'slo-scout.bash');
  await writeFile(script, bashCompletion(await buildProgram()));
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _slo_scout; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: dir });
  return out.split('\n').filter(Boolean);
}

describe('slo-scout completion', () => {
  it('bash: completes command names, then the flags of that command, then the values of a choice flag', async () => {
    expect(await complete(['slo-scout', 'va'])).toEqual(['validate']);
    expect(await complete(['slo-scout', 'analyze', '--form'])).toEqual(['--format']);
    expect(await complete(['slo-scout', 'analyze', '--format', 'p'])).toEqual(['prometheus-rule-crd', 'pyrra']);
    expect(await complete(['slo-scout', 'validate', '--format', ''])).toEqual(['text', 'json', 'github']);
  });

  it('bash: the script parses (bash -n)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'completion-'));
    await writeFile(join(dir, 'c.bash'), bashCompletion(await buildProgram()));
    expect(() => execFileSync('bash', ['-n', join(dir, 'c.bash')])).not.toThrow();
  });

  it('zsh: a #compdef script listing every command with its description and choice values', async () => {
    const program = await buildProgram();
    const script = zshCompletion(program);
    expect(script.startsWith('#compdef slo-scout\n')).toBe(true);
    for (const c of program.commands) expect(script).toContain(`'${c.name()}:`);
    expect(script).toMatch(/'--format\[[^\]]*\]:value:\(openslo sloth prometheus-rule-crd pyrra\)'/);
    // Descriptions must not break out of their quotes.
    expect(script.match(/^ {4}'[^'\n]*'$/gm)?.length).toBe(program.commands.length);
  });
});
