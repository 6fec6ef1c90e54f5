/**
 * Issue 9, smaller findings: a YAML alias bomb ended in a stack trace, a 74 MB config was parsed
 * for 44 s, and `output.path: ../../../x` made `analyze` write outside the working directory
 * while `validate` said ok. Each is now a clear, positioned error.
 */
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from '../../app/config/loader.js';
import { formatConfigError, loadConfigFile, parseConfig, ConfigFileError } from '../../app/config/schema.js';
import { validateFile } from '../../app/cli/validate.js';
import { confinedOutputDir, OutputPathError } from '../../app/export/confine.js';
import { writeFileSet } from '../../app/export/write.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-scout-sec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The "billion laughs" shape: each level doubles the one before through aliases. */
function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

describe('config size and YAML alias limits', () => {
  it('an alias bomb is a clear error at 1:1, quickly, not a stack trace', () => {
    const started = performance.now();
    const r = parseConfig(aliasBomb(9), '.slo-scout.yml');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatConfigError(r.errors[0]!)).toMatch(/^\.slo-scout\.yml:1:1 YAML aliases \(\*name\) expand to too many nodes \(limit 100\)/);
  });

  it('a config over 256 KiB is refused before it is parsed, with its size', async () => {
    const big = `version: 1\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    const started = performance.now();
    const r = parseConfig(big, '.slo-scout.yml');
    expect(performance.now() - started).toBeLessThan(500);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/the file is 256 KiB; SLO-Scout reads config files up to 256 KiB/);
    const file = join(dir, 'huge.yml');
    await writeFile(file, `version: 1\n# ${'x'.repeat(8 * 1024 * 1024)}\n`);
    await expect(loadConfigFile(file)).rejects.toThrow(/huge\.yml:1:1 the file is 8192 KiB/);
  });
});

describe('output.path stays inside the working directory', () => {
  it.each([
    ['../../../x', /climbs out of the working directory/],
    ['/etc/slo', /is absolute/],
    ['C:\\Windows\\x', /is absolute/],
    ['slos/../../x', /climbs out/],
  ])('validate refuses output.path %s at its line and column', async (path, why) => {
    const file = join(dir, '.slo-scout.yml');
    await writeFile(file, `version: 1\noutput:\n  path: ${JSON.stringify(path)}\n`);
    const r = await validateFile(file);
    expect(r.errors).toHaveLength(1);
    expect(formatConfigError(r.errors[0]!)).toMatch(/\.slo-scout\.yml:3:9 output\.path: output\.path must be a relative path inside the working directory/);
    await expect(confinedOutputDir(dir, path)).rejects.toThrow(why);
  });

  it('a relative path inside is fine', async () => {
    expect(parseConfig('output:\n  path: out/slos\n').ok).toBe(true);
    expect(await confinedOutputDir(dir, 'out/slos')).toBe(join(dir, 'out/slos'));
  });

  it('a symlink that leads outside is refused at write time, and nothing is written outside', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'slo-scout-outside-'));
    const cwd = join(dir, 'repo');
    await mkdir(cwd, { recursive: true });
    await symlink(outside, join(cwd, 'slo-proposals'));
    await expect(confinedOutputDir(cwd, 'slo-proposals')).rejects.toThrow(OutputPathError);
    await expect(confinedOutputDir(cwd, 'slo-proposals')).rejects.toThrow(/through a symbolic link/);
    // A link deeper inside the output directory is caught per file.
    await mkdir(join(cwd, 'out'), { recursive: true });
    await symlink(outside, join(cwd, 'out', 'slos'));
    await expect(writeFileSet(join(cwd, 'out'), [{ path: 'slos/x.yaml', content: 'x' }], { confineTo: cwd })).rejects.toThrow(/symbolic link/);
    expect(await readdir(outside)).toEqual([]);
    await rm(outside, { recursive: true, force: true });
  });

  it('the error of loadConfigFile lists the position too', async () => {
    const file = join(dir, 'p.yml');
    await writeFile(file, 'output:\n  path: ../x\n');
    await expect(loadConfigFile(file)).rejects.toThrow(ConfigFileError);
  });
});
