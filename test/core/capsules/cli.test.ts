import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../../app/cli/capsules.js';
import { CliError } from '../../../app/cli/errors.js';
import { groupingAccuracy } from '../../../app/core/capsules/index.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'logs');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err: '' };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, out, err: e.message };
    throw e;
  } finally {
    o.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('slo-scout capsules', () => {
  it('--json prints capsules and one capsule id per input line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capsules-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, ['cache miss for key 17', 'cache miss for key 99', 'worker 3 started', 'cache miss for key 5'].join('\n') + '\n');
    const { code, out } = await run(['capsules', file, '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { capsules: Array<{ id: string; template: string; count: number }>; assignments: string[] };
    expect(parsed.assignments).toHaveLength(4);
    const miss = parsed.capsules.find((c) => c.template === 'cache miss for key <NUM>')!;
    expect(miss.count).toBe(3);
    expect(parsed.assignments.filter((a) => a === miss.id)).toHaveLength(3);
  });

  it('--format strips headers, and the result groups the OpenSSH-like fixture like its ground truth', async () => {
    const format = readFileSync(join(FIXTURES, 'openssh.format'), 'utf8').trim();
    const { out } = await run(['capsules', join(FIXTURES, 'openssh.log'), '--json', '--format', format]);
    const { assignments } = JSON.parse(out) as { assignments: string[] };
    const truth = readFileSync(join(FIXTURES, 'openssh.truth'), 'utf8').trimEnd().split('\n');
    expect(groupingAccuracy(assignments, truth)).toBeGreaterThanOrEqual(0.9);
  });

  it('a missing file is a one-line error with exit code 2', async () => {
    const { code, err } = await run(['capsules', '/nonexistent/x.log']);
    expect(code).toBe(2);
    expect(err).toMatch(/no such file/);
  });
});
