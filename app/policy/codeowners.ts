/**
 * CODEOWNERS of the base branch: who owns the changed files. GitHub's rules: the last matching
 * pattern wins; a pattern without a slash matches at any depth; a leading slash anchors at the
 * root; a trailing slash means a directory.
 */
import picomatch from 'picomatch';

export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

interface Rule {
  match: (path: string) => boolean;
  owners: string[];
}

function toGlobs(pattern: string): string[] {
  let p = pattern;
  const anchored = p.startsWith('/');
  if (anchored) p = p.slice(1);
  if (p.endsWith('/')) p = `${p}**`;
  const base = anchored || p.slice(0, -1).includes('/') ? [p] : [p, `**/${p}`];
  // A plain name also matches everything below it when it names a directory.
  return base.flatMap((g) => (g.endsWith('**') ? [g] : [g, `${g}/**`]));
}

export function parseCodeowners(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    rules.push({ match: picomatch(toGlobs(pattern!), { dot: true }), owners });
  }
  return rules;
}

/** Owners of the files, split into users and `org/team` slugs; emails are skipped (no login to compare). */
export function ownersOf(rules: Rule[], paths: string[]): { users: string[]; teams: string[] } {
  const users = new Set<string>();
  const teams = new Set<string>();
  for (const path of paths) {
    const rule = [...rules].reverse().find((r) => r.match(path));
    for (const o of rule?.owners ?? []) {
      if (!o.startsWith('@')) continue;
      const name = o.slice(1);
      if (name.includes('/')) teams.add(name);
      else users.add(name);
    }
  }
  return { users: [...users].sort(), teams: [...teams].sort() };
}
