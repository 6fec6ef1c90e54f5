import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderFileSet } from '../../app/export/index.js';
import { writeFileSet } from '../../app/export/write.js';
import { fixture } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'slo-scout-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeFileSet', () => {
  it('writes every file under the output directory with its exact content and leaves no temp files', async () => {
    const files = renderFileSet(fixture('fleet'), { format: 'openslo' });
    const out = join(root, 'out');
    await writeFileSet(out, files);
    for (const f of files) expect(readFileSync(join(out, f.path), 'utf8')).toBe(f.content);
    const all = readdirSync(out, { recursive: true }).map(String);
    expect(all.filter((p) => p.includes('.tmp-'))).toEqual([]);
  });

  it('overwrites an existing file in place', async () => {
    const out = join(root, 'again');
    await writeFileSet(out, [{ path: 'a/b.txt', content: 'one' }]);
    await writeFileSet(out, [{ path: 'a/b.txt', content: 'two' }]);
    expect(readFileSync(join(out, 'a/b.txt'), 'utf8')).toBe('two');
  });

  it.each(['../escape.txt', '/etc/passwd', 'a/../../x'])('refuses a path that escapes the directory: %s', async (path) => {
    await expect(writeFileSet(join(root, 'safe'), [{ path, content: 'x' }])).rejects.toThrow(/must stay inside/);
  });
});
