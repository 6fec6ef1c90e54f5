import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { OutputFile } from './index.js';
import { assertInside } from './confine.js';

/**
 * Writes a file set under `dir`, each file atomically (temp file + rename) so a reader — Prometheus reloading its
 * rule files, a git add — never sees half a file. Refuses paths that would escape `dir`.
 */
export async function writeFileSet(dir: string, files: OutputFile[], options: { confineTo?: string } = {}): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const rel = normalize(file.path);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
      throw new Error(`refusing to write "${file.path}": output paths must stay inside ${dir}`);
    }
    const target = join(dir, rel);
    // Checked per file before mkdir: a symlinked subdirectory must not carry a write outside.
    if (options.confineTo) await assertInside(options.confineTo, target, target);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, file.content, 'utf8');
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw new Error(`cannot write ${target}: ${(error as Error).message}; check that the --out directory is writable`, { cause: error });
    }
    written.push(target);
  }
  return written;
}
