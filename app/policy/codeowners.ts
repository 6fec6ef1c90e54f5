/**
 * CODEOWNERS of the base branch: who owns the changed files, by the code host's own rules.
 *
 * GitHub: the last matching pattern wins; a pattern without a slash matches at any depth; a
 * leading slash anchors at the root; a trailing slash means a directory; `#` starts a comment.
 *
 * GitLab (docs.gitlab.com, "Syntax of CODEOWNERS file") adds sections: `[Name]`, `^[Name]`
 * (optional approval), `[Name][2]` (approval count), each optionally followed by the section's
 * default owners, used by entries of that section that name no owner. Sections are analysed
 * separately: within one, the last matching pattern wins; every section with a match contributes
 * its owners. Sections of the same name (case-insensitive) are one section. `!pattern` excludes
 * matching files from the section's owners. Only whole lines starting with `#` are comments.
 *
 * How sections combine for Policy Guard's `approvers.codeowners` (docs/policy-guard.md): the
 * code owners of the change are the UNION over sections (optional ones included) of each
 * section's owners of each changed file. The rule asks "may this person approve as a code
 * owner?", which a code owner of any section is; GitLab's per-section approval counts are
 * GitLab's own merge check and are not re-enforced here (`min_approvals` is the policy's).
 */
import picomatch from 'picomatch';

export type CodeownersPlatform = 'github' | 'gitlab';

/** GitHub's locations, in the order GitHub searches them (first found wins). */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];
/** GitLab's locations, in GitLab's order (ee/lib/gitlab/code_owners.rb FILE_PATHS: root, docs, .gitlab). */
export const GITLAB_CODEOWNERS_PATHS = ['CODEOWNERS', 'docs/CODEOWNERS', '.gitlab/CODEOWNERS'];

export function codeownersPaths(platform: CodeownersPlatform = 'github'): string[] {
  return platform === 'gitlab' ? GITLAB_CODEOWNERS_PATHS : CODEOWNERS_PATHS;
}

interface Rule {
  match: (path: string) => boolean;
  owners: string[];
  /** Lower-cased section name; '' for the rules before any section (and for all of GitHub's). */
  section: string;
  /** GitLab `!pattern`: matching files have no owner in this section. */
  exclude?: boolean;
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

const matcher = (pattern: string) => picomatch(toGlobs(pattern), { dot: true });

// `[Name]`, `^[Name]`, `[Name][2]`, then optional default owners.
const SECTION = /^\^?\[([^\]]+)\](?:\[\d+\])?(?:\s+(.*))?$/;

/** Whitespace-separated words; GitLab escapes a space in a path as `\ `. */
function words(line: string): string[] {
  return (line.match(/(?:\\.|\S)+/g) ?? []).map((w) => w.replace(/\\(.)/g, '$1'));
}

function parseGitlab(text: string): Rule[] {
  const rules: Rule[] = [];
  let section = '';
  const defaults = new Map<string, string[]>([['', []]]);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = SECTION.exec(line);
    if (header) {
      section = header[1]!.trim().toLowerCase();
      const owners = words(header[2] ?? '');
      // A repeated section keeps its first defaults unless this header names some.
      if (owners.length || !defaults.has(section)) defaults.set(section, owners);
      continue;
    }
    const [pattern, ...owners] = words(line);
    if (pattern!.startsWith('!')) {
      rules.push({ match: matcher(pattern!.slice(1)), owners: [], section, exclude: true });
      continue;
    }
    rules.push({ match: matcher(pattern!), owners: owners.length ? owners : (defaults.get(section) ?? []), section });
  }
  return rules;
}

export function parseCodeowners(text: string, platform: CodeownersPlatform = 'github'): Rule[] {
  if (platform === 'gitlab') return parseGitlab(text);
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    rules.push({ match: matcher(pattern!), owners, section: '' });
  }
  return rules;
}

/**
 * Owners of the files, split into users and `org/team` slugs (GitLab: `group/subgroup` paths).
 * Each section's last matching rule gives that section's owners; sections add up (GitHub has one).
 * E-mail owners are skipped (no login to compare), and so are GitLab role owners (`@@maintainer`).
 */
export function ownersOf(rules: Rule[], paths: string[]): { users: string[]; teams: string[] } {
  const users = new Set<string>();
  const teams = new Set<string>();
  const sections = new Map<string, Rule[]>();
  for (const r of rules) sections.set(r.section, [...(sections.get(r.section) ?? []), r]);
  for (const path of paths) {
    for (const sectionRules of sections.values()) {
      if (sectionRules.some((r) => r.exclude && r.match(path))) continue;
      const rule = [...sectionRules].reverse().find((r) => !r.exclude && r.match(path));
      for (const o of rule?.owners ?? []) {
        if (!o.startsWith('@') || o.startsWith('@@')) continue;
        const name = o.slice(1);
        if (name.includes('/')) teams.add(name);
        else users.add(name);
      }
    }
  }
  return { users: [...users].sort(), teams: [...teams].sort() };
}
