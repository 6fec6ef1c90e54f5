/**
 * `output.path` comes from a config file, which may come from a repository the user did not
 * write: generated files must land inside the working directory, never `../../x` or `/etc/x`,
 * and not through a symlink that points elsewhere.
 */
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, posix, relative, resolve, win32 } from 'node:path';

/** Why a configured output path is refused (absolute, or `..` climbing out), or null. */
export function outputPathProblem(p: string): string | null {
  if (p.includes('\0')) return 'contains a NUL byte';
  if (posix.isAbsolute(p) || win32.isAbsolute(p)) return 'is absolute';
  const norm = posix.normalize(p.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../')) return 'climbs out of the working directory with ..';
  return null;
}

export const OUTPUT_PATH_HINT = 'output.path must be a relative path inside the working directory (no leading /, no ..), e.g. slo-proposals';

async function nearestExisting(p: string): Promise<string> {
  for (let cur = p; ; cur = dirname(cur)) {
    try {
      return await realpath(cur);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(cur) === cur) throw err;
    }
  }
}

export class OutputPathError extends Error {}

/**
 * Resolves `p` (from output.path) under `root` and checks, on the real file system, that the
 * deepest existing part of it is still inside `root` once symlinks are followed.
 */
export async function confinedOutputDir(root: string, p: string): Promise<string> {
  const problem = outputPathProblem(p);
  if (problem) throw new OutputPathError(`output.path "${p}" ${problem}: ${OUTPUT_PATH_HINT}, or pass --out <dir> to choose a directory yourself`);
  const target = resolve(root, p);
  await assertInside(root, target, p);
  return target;
}

export async function assertInside(root: string, target: string, shown: string): Promise<void> {
  const realRoot = await realpath(root);
  const real = await nearestExisting(target);
  const rel = relative(realRoot, real);
  if (rel === '..' || rel.startsWith(`..${'/'}`) || rel.startsWith('..\\') || isAbsolute(rel)) {
    throw new OutputPathError(`output path "${shown}" leads outside ${realRoot} through a symbolic link (to ${real}): remove the link or pass --out <dir>`);
  }
}
