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
 * section's owners of each changed file: that answers "may this person approve as a code
 * owner?". On top of that, `codeOwnerEntries` lists what GitLab's own code-owner approval rules
 * require (one rule per matched entry of each section, with the section's count), which
 * app/policy/sections.ts enforces.
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

/** A section's header, as GitLab reads it (`[Name]`, `^[Name]`, `[Name][2]`). */
export interface SectionHeader {
  /** The name as first written; '' for the rules before any section. */
  name: string;
  /** `^[Name]`: GitLab requires no approval for it. */
  optional: boolean;
  /** `[Name][N]`: approvals required from the owners of each matched entry (GitLab's default 1). */
  approvals: number;
}

export interface Rule {
  match: (path: string) => boolean;
  /** The entry's pattern as written (GitLab names each code-owner approval rule after it). */
  pattern: string;
  owners: string[];
  /** Lower-cased section name; '' for the rules before any section (and for all of GitHub's). */
  section: string;
  /** GitLab `!pattern`: matching files have no owner in this section. */
  exclude?: boolean;
}

/** The parsed file: its rules in order, and each section's header by lower-cased name. */
export type ParsedCodeowners = Rule[] & { sections?: Map<string, SectionHeader> };

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
const SECTION = /^(\^)?\[([^\]]+)\](?:\[(\d+)\])?(?:\s+(.*))?$/;
/**
 * A count above this is a typo or hostile (no review gathers 1000 approvals); it is kept as
 * written up to here so the check can say no one can meet it.
 */
const MAX_SECTION_APPROVALS = 1_000;

/** Whitespace-separated words; GitLab escapes a space in a path as `\ `. */
function words(line: string): string[] {
  return (line.match(/(?:\\.|\S)+/g) ?? []).map((w) => w.replace(/\\(.)/g, '$1'));
}

function parseGitlab(text: string): ParsedCodeowners {
  const rules: ParsedCodeowners = [];
  let section = '';
  const defaults = new Map<string, string[]>([['', []]]);
  // Entries before any section form an unnamed, required section (GitLab: "treated as if they
  // were another, unnamed section").
  const sections = new Map<string, SectionHeader>([['', { name: '', optional: false, approvals: 1 }]]);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = SECTION.exec(line);
    if (header) {
      const name = header[2]!.trim();
      section = name.toLowerCase();
      const owners = words(header[4] ?? '');
      // A repeated section keeps its first defaults unless this header names some.
      if (owners.length || !defaults.has(section)) defaults.set(section, owners);
      const optional = header[1] === '^';
      const approvals = Math.min(Math.max(Number(header[3] ?? 1), 1), MAX_SECTION_APPROVALS);
      // Repeated headers of one section may disagree (`[A]` then `^[A][3]`); the strictest wins,
      // as a guard should: required if any header is, and the largest count.
      const seen = sections.get(section);
      sections.set(section, seen
        ? { name: seen.name, optional: seen.optional && optional, approvals: Math.max(seen.approvals, approvals) }
        : { name, optional, approvals });
      continue;
    }
    const [pattern, ...owners] = words(line);
    if (pattern!.startsWith('!')) {
      rules.push({ match: matcher(pattern!.slice(1)), pattern: pattern!, owners: [], section, exclude: true });
      continue;
    }
    rules.push({ match: matcher(pattern!), pattern: pattern!, owners: owners.length ? owners : (defaults.get(section) ?? []), section });
  }
  rules.sections = sections;
  return rules;
}

export function parseCodeowners(text: string, platform: CodeownersPlatform = 'github'): ParsedCodeowners {
  if (platform === 'gitlab') return parseGitlab(text);
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    rules.push({ match: matcher(pattern!), pattern: pattern!, owners, section: '' });
  }
  return rules;
}

/** Rules grouped by section, in file order. */
function bySection(rules: Rule[]): Map<string, Rule[]> {
  const sections = new Map<string, Rule[]>();
  // Pushed in place: copying per rule would be quadratic in a (repository-written) long file.
  for (const r of rules) {
    const list = sections.get(r.section);
    if (list) list.push(r);
    else sections.set(r.section, [r]);
  }
  return sections;
}

/** The rule of `sectionRules` that owns `path`: the last match, unless a `!pattern` excludes it. */
function owningRule(sectionRules: Rule[], path: string): Rule | undefined {
  if (sectionRules.some((r) => r.exclude && r.match(path))) return undefined;
  return sectionRules.findLast((r) => !r.exclude && r.match(path));
}

/**
 * Owners of the files, split into users and `org/team` slugs (GitLab: `group/subgroup` paths).
 * Each section's last matching rule gives that section's owners; sections add up (GitHub has one).
 * E-mail owners are skipped (no login to compare), and so are GitLab role owners (`@@maintainer`).
 */
export function ownersOf(rules: Rule[], paths: string[]): { users: string[]; teams: string[] } {
  const users = new Set<string>();
  const teams = new Set<string>();
  const sections = bySection(rules);
  for (const path of paths) {
    for (const sectionRules of sections.values()) {
      const rule = owningRule(sectionRules, path);
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

/**
 * One code-owner approval rule as GitLab makes it for a merge request: each entry of a section
 * that owns a changed file (the last matching pattern of that section, not excluded there)
 * becomes a rule named after its pattern, requiring the section's count of approvals from the
 * entry's owners (GitLab's MergeRequests::SyncCodeOwnerApprovalRules: one rule per entry).
 */
export interface CodeOwnerEntry {
  section: SectionHeader;
  pattern: string;
  /** `@name` and `@group/sub` as written, without the `@`; a bare name may be a user or a group. */
  owners: string[];
  /** Owners the guard cannot compare with a username: e-mail addresses and roles (`@@maintainer`). */
  unchecked: string[];
  /** The changed files this entry owns. */
  files: string[];
}

/** The approval rules GitLab's code owners make for `paths` (GitLab syntax; optional sections included, flagged). */
export function codeOwnerEntries(rules: ParsedCodeowners, paths: string[]): CodeOwnerEntry[] {
  const headers = rules.sections ?? new Map<string, SectionHeader>();
  const out = new Map<Rule, CodeOwnerEntry>();
  for (const [key, sectionRules] of bySection(rules)) {
    const section = headers.get(key) ?? { name: key, optional: false, approvals: 1 };
    for (const path of [...paths].sort()) {
      const rule = owningRule(sectionRules, path);
      if (!rule) continue;
      const entry = out.get(rule) ?? {
        section, pattern: rule.pattern,
        owners: [...new Set(rule.owners.filter((o) => o.startsWith('@') && !o.startsWith('@@')).map((o) => o.slice(1)))],
        unchecked: rule.owners.filter((o) => !o.startsWith('@') || o.startsWith('@@')),
        files: [],
      };
      entry.files.push(path);
      out.set(rule, entry);
    }
  }
  return [...out.values()];
}
