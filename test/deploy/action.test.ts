/** action.yml: a composite action whose inputs reach `slo-scout pr` through flags the command has. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { register } from '../../app/cli/pr.js';

const ROOT = join(import.meta.dirname, '..', '..');
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  name: string; inputs: Record<string, { default?: string; description: string }>;
  runs: { using: string; steps: Array<{ uses?: string; run?: string; env?: Record<string, string>; shell?: string }> };
};

describe('action.yml', () => {
  const program = new Command('slo-scout');
  register(program);
  const pr = program.commands.find((c) => c.name() === 'pr')!;
  const script = action.runs.steps.map((s) => s.run ?? '').join('\n');

  it('is a composite action on Node 20 that runs `slo-scout pr`', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))).toBeDefined();
    expect(script).toMatch(/\(pr --config/);
    for (const s of action.runs.steps.filter((x) => x.run)) expect(s.shell).toBe('bash');
  });

  it('passes every input, only through env (never interpolated into the script), and every flag it uses exists', () => {
    for (const name of Object.keys(action.inputs)) {
      const envs = action.runs.steps.flatMap((s) => Object.values(s.env ?? {}));
      expect(envs, name).toContain(`\${{ inputs.${name} }}`);
    }
    expect(script).not.toMatch(/\$\{\{/);
    const flags = [...script.matchAll(/(--[a-z-]+)/g)].map((m) => m[1]!).filter((f) => !['--yes', '--no-audit', '--no-fund'].includes(f));
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) expect(pr.options.map((o) => o.long), f).toContain(f);
  });

  it('defaults the token to the workflow token, read as GITHUB_TOKEN', () => {
    expect(action.inputs.token?.default).toBe('${{ github.token }}');
    const step = action.runs.steps.find((s) => s.env?.GITHUB_TOKEN)!;
    expect(step.env!.GITHUB_TOKEN).toBe('${{ inputs.token }}');
  });
});
