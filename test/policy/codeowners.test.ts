/**
 * CODEOWNERS by the code host's rules: GitHub's stay as they were; GitLab's add sections
 * (docs.gitlab.com, "Syntax of CODEOWNERS file"), whose owners add up across sections.
 */
import { describe, expect, it } from 'vitest';
import { codeownersPaths, ownersOf, parseCodeowners } from '../../app/policy/codeowners.js';

const gitlab = (text: string, ...paths: string[]) => ownersOf(parseCodeowners(text, 'gitlab'), paths);
const github = (text: string, ...paths: string[]) => ownersOf(parseCodeowners(text), paths);

describe('where each host looks for CODEOWNERS (first found wins)', () => {
  it("GitHub: .github/, root, docs/; GitLab: root, docs/, .gitlab/ (GitLab's FILE_PATHS order)", () => {
    expect(codeownersPaths('github')).toEqual(['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS']);
    expect(codeownersPaths()).toEqual(codeownersPaths('github'));
    expect(codeownersPaths('gitlab')).toEqual(['CODEOWNERS', 'docs/CODEOWNERS', '.gitlab/CODEOWNERS']);
  });
});

describe('GitLab sections', () => {
  it('within a section the last matching pattern wins; every section with a match adds its owners', () => {
    const text = ['* @default', '[SLOs]', 'slos/ @acme/sre', 'slos/checkout.yaml @payments-lead', '[Billing]', '*.yaml @acme/billing'].join('\n');
    expect(gitlab(text, 'slos/checkout.yaml')).toEqual({ users: ['default', 'payments-lead'], teams: ['acme/billing'] });
    expect(gitlab(text, 'slos/search.yaml')).toEqual({ users: ['default'], teams: ['acme/billing', 'acme/sre'] });
  });

  it("an entry without owners takes its section's default owners (after the header, also for [Name][2] and ^[Name])", () => {
    expect(gitlab('[SLOs][2] @acme/sre @lead\nslos/', 'slos/a.yaml')).toEqual({ users: ['lead'], teams: ['acme/sre'] });
    expect(gitlab('^[Optional] @acme/docs\ndocs/', 'docs/x.md')).toEqual({ users: [], teams: ['acme/docs'] });
    // Named owners on the entry replace the defaults.
    expect(gitlab('[SLOs] @acme/sre\nslos/ @carol', 'slos/a.yaml')).toEqual({ users: ['carol'], teams: [] });
  });

  it('sections of the same name, in any case, are one section: the later entry wins there', () => {
    expect(gitlab('[SLOs]\nslos/ @alice\n[Other]\nx @x\n[slos]\nslos/ @bob', 'slos/a.yaml')).toEqual({ users: ['bob'], teams: [] });
  });

  it('a `!pattern` takes matching files out of its own section only', () => {
    const text = ['* @all', '[SLOs]', 'slos/ @acme/sre', '!slos/generated/'].join('\n');
    expect(gitlab(text, 'slos/generated/a.yaml')).toEqual({ users: ['all'], teams: [] });
    expect(gitlab(text, 'slos/a.yaml')).toEqual({ users: ['all'], teams: ['acme/sre'] });
  });

  it('nested group paths are teams; e-mail and role owners (@@maintainer) are skipped: no username to compare', () => {
    expect(gitlab('slos/ @acme/platform/sre jane@example.com @@maintainer @bob', 'slos/a.yaml')).toEqual({ users: ['bob'], teams: ['acme/platform/sre'] });
  });

  it('whole-line comments only; a path with an escaped space', () => {
    expect(gitlab('# [Not a section]\nmy\\ dir/ @alice', 'my dir/a.yaml')).toEqual({ users: ['alice'], teams: [] });
  });
});

describe('GitHub keeps its rules', () => {
  it('one section: the last matching pattern wins; inline comments are stripped', () => {
    expect(github('* @default\nslos/ @acme/sre # the SRE team\n', 'slos/a.yaml')).toEqual({ users: [], teams: ['acme/sre'] });
  });

  it('a [Section] line is no section on GitHub: its default owners are not read', () => {
    expect(github('* @default\n[SLOs] @acme/sre\nslos/', 'slos/a.yaml')).toEqual({ users: [], teams: [] });
  });
});
