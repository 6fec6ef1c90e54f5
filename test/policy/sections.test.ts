/**
 * GitLab CODEOWNERS section approval counts (docs.gitlab.com, "Advanced CODEOWNERS configuration"):
 * one code-owner rule per matched entry of each required section, needing the section's count of
 * approvals from that entry's owners; optional sections need none. Pure: groups come as facts.
 */
import { describe, expect, it } from 'vitest';
import picomatch from 'picomatch';
import { codeOwnerEntries, parseCodeowners } from '../../app/policy/codeowners.js';
import { applySectionApprovals, approvedForHead, checkEntries, renderSectionChecks, type OwnerGroups } from '../../app/policy/sections.js';
import { resolveOwnerGroups, MAX_OWNER_LOOKUPS } from '../../app/policy/owner-groups.js';
import { evaluatePolicies, Policy, PolicyGuardSettings, type ChangeSet, type Decision, type EvaluationInput } from '../../app/core/policy/index.js';
import type { GroupMembers } from '../../app/policy/vcs.js';

const entries = (text: string, ...paths: string[]) => codeOwnerEntries(parseCodeowners(text, 'gitlab'), paths);
const members = (group: string, usernames: string[], truncated = false): GroupMembers => ({ kind: 'members', group, usernames, truncated });
const NO_GROUPS: OwnerGroups = { groups: {}, memberOf: {} };
const summary = (text: string, facts: OwnerGroups, approvers: string[], ...paths: string[]) =>
  checkEntries(entries(text, ...paths), facts, approvers).map((c) => ({ section: c.section, pattern: c.pattern, required: c.required, approvedBy: c.approvedBy, missing: c.missing }));

describe('which code-owner rules a change makes (one per matched entry of each section)', () => {
  const FILE = [
    '* @carol',
    '[SLOs][2] @acme/sre',
    'slos/',
    'slos/checkout/ @alice @bob',
    '!slos/generated/',
    '^[Docs] @writer',
    'slos/',
  ].join('\n');

  it('files under different entries of one section make one rule each; files under one entry share it', () => {
    const found = entries(FILE, 'slos/a.yaml', 'slos/b.yaml', 'slos/checkout/x.yaml');
    expect(found.map((e) => [e.section.name, e.pattern, e.files])).toEqual([
      ['', '*', ['slos/a.yaml', 'slos/b.yaml', 'slos/checkout/x.yaml']],
      ['SLOs', 'slos/', ['slos/a.yaml', 'slos/b.yaml']],
      ['SLOs', 'slos/checkout/', ['slos/checkout/x.yaml']],
      ['Docs', 'slos/', ['slos/a.yaml', 'slos/b.yaml', 'slos/checkout/x.yaml']],
    ]);
    // The section header's count and optional flag travel with each entry; the rules before any section count 1.
    expect(found.map((e) => [e.section.approvals, e.section.optional])).toEqual([[1, false], [2, false], [2, false], [1, true]]);
  });

  it('a `!pattern` takes a file out of its section only: the other sections still make rules for it', () => {
    const found = entries(FILE, 'slos/generated/g.yaml');
    expect(found.map((e) => `${e.section.name}:${e.pattern}`)).toEqual([':*', 'Docs:slos/']);
  });

  it('repeated headers of one section: the strictest count and required-ness win', () => {
    const found = entries('^[SLOs]\nslos/ @a\n[Other]\nx @x\n[slos][3]\nslos/checkout/ @b', 'slos/checkout/y.yaml');
    expect(found.map((e) => [e.section.name, e.section.optional, e.section.approvals, e.pattern])).toEqual([['SLOs', false, 3, 'slos/checkout/']]);
  });

  it('e-mail and role owners are kept apart as unchecked; a count of 0 means the default 1', () => {
    const [e] = entries('[SLOs][0]\nslos/ jane@example.com @@maintainer @bob', 'slos/a.yaml');
    expect(e).toMatchObject({ owners: ['bob'], unchecked: ['jane@example.com', '@@maintainer'], section: { approvals: 1 } });
  });
});

describe('section counts', () => {
  const FILE = [
    '* @carol',
    '[SLOs][2] @acme/sre',
    'slos/',
    'slos/checkout/ @alice @bob',
    '^[Docs] @writer',
    'slos/',
  ].join('\n');
  const sre: OwnerGroups = { groups: { 'acme/sre': members('acme/sre', ['sam', 'sue', 'sid']) }, memberOf: { sam: ['acme/sre'], sue: ['acme/sre'] } };

  it('several required sections, overlapping paths: each entry counts only its own owners', () => {
    expect(summary(FILE, sre, ['carol', 'sam', 'alice', 'writer'], 'slos/a.yaml', 'slos/checkout/x.yaml')).toEqual([
      { section: '', pattern: '*', required: 1, approvedBy: ['carol'], missing: 0 },
      { section: 'SLOs', pattern: 'slos/', required: 2, approvedBy: ['sam'], missing: 1 },
      { section: 'SLOs', pattern: 'slos/checkout/', required: 2, approvedBy: ['alice'], missing: 1 },
    ]);
  });

  it('optional sections need nothing: their owner approving alone leaves every required entry missing', () => {
    const found = summary(FILE, sre, ['writer'], 'slos/a.yaml');
    expect(found.map((c) => c.section)).not.toContain('Docs');
    expect(found.every((c) => c.missing === c.required)).toBe(true);
  });

  it('group members count for the group owner; two of them meet [SLOs][2]', () => {
    expect(summary(FILE, sre, ['sam', 'sue', 'carol'], 'slos/a.yaml').every((c) => c.missing === 0)).toBe(true);
  });

  it('a count above the number of people who can approve is unmet forever, and the text says so and how to fix it', () => {
    const [c] = checkEntries(entries('[Lead][3]\nslos/ @alice @bob', 'slos/a.yaml'), NO_GROUPS, ['alice', 'bob']);
    expect(c).toMatchObject({ required: 3, eligible: 2, missing: 1 });
    expect(c!.problems).toEqual(['3 approvals are required but only 2 people can give them; lower the count in the [Lead] header or add owners to `slos/`']);
  });

  it('a group that could not be read gives no count of who can approve, approves nothing, and says why', () => {
    const facts: OwnerGroups = { groups: { 'acme/sre': { kind: 'forbidden', group: 'acme/sre', status: 403, message: '403 Forbidden' } }, memberOf: {} };
    const [, c] = checkEntries(entries(FILE, 'slos/a.yaml'), facts, ['sam']);
    expect(c).toMatchObject({ pattern: 'slos/', eligible: null, approvedBy: [], missing: 2 });
    expect(c!.problems[0]).toMatch(/^@acme\/sre could not be resolved: GitLab answered 403 .*`api` \(or `read_api`\) scope/);
  });

  it('an entry whose owners are only e-mail or role owners cannot be met by anyone and says what to write instead', () => {
    const [c] = checkEntries(entries('[SLOs]\nslos/ jane@example.com @@maintainer', 'slos/a.yaml'), NO_GROUPS, ['jane']);
    expect(c).toMatchObject({ missing: 1, eligible: 0 });
    expect(c!.problems.join('\n')).toContain('e-mail and role owners cannot be checked by the guard');
  });

  it('an entry naming no owner at all requires nothing, as in GitLab', () => {
    expect(checkEntries(entries('[SLOs]\nslos/', 'slos/a.yaml'), NO_GROUPS, [])).toEqual([]);
  });

  it('only approvals whose latest decision is for the head count', () => {
    const d = (login: string, sha: string, at: string, decision: Decision['decision'] = 'approve'): Decision => ({ login, identity: login, channel: 'comment', decision, sha, at });
    const decisions = [d('alice', 'old', '2026-01-01T00:00:00Z'), d('bob', 'old', '2026-01-01T00:00:00Z'), d('bob', 'head', '2026-01-02T00:00:00Z')];
    expect(approvedForHead(['alice', 'Bob'], decisions, 'head')).toEqual(['Bob']);
  });

  it('the table names each checked entry, its count, who can approve and how many more are needed', () => {
    const text = renderSectionChecks({ owned: checkEntries(entries(FILE, 'slos/a.yaml'), sre, ['sam', 'carol']) });
    expect(text).toContain('| `owned` | [SLOs] | `slos/` | 1/2 (@sam) | ⏳ 1 more needed | @acme/sre (group) |');
    expect(text).toContain('| `owned` | the entries before any section | `*` | 1/1 (@carol) | ✅ | @carol |');
    expect(renderSectionChecks({})).toBe('');
  });
});

describe('applied to the verdict (min_approvals still applies on top)', () => {
  const change: ChangeSet = { files: ['slos/a.yaml'], services: ['checkout'], endpoints: [], slos: [], rules: { recordingAdded: 0, recordingRemoved: 0, alertingAdded: 0, alertingRemoved: 0 } } as unknown as ChangeSet;
  const policy = (extra: Record<string, unknown> = {}) => Policy.parse({ policy_id: 'owned', approvers: { codeowners: true }, applies_to: { paths: ['slos/**'] }, ...extra });
  const approve = (login: string, sha = 'head'): Decision => ({ login, identity: login, channel: 'review', decision: 'approve', sha, at: '2026-01-01T00:00:00Z' });
  const input = (policies: Policy[], decisions: Decision[]): EvaluationInput => ({
    change, policies, settings: PolicyGuardSettings.parse({}), decisions, author: 'dev', headSha: 'head', knownServices: 0,
    facts: { teamsOf: {}, codeowners: { users: ['alice', 'bob', 'carol'], teams: [] } }, matchPath: (globs, path) => picomatch(globs, { dot: true })(path),
  });
  const FILE = '* @carol\n[SLOs][2]\nslos/ @alice @bob';
  const apply = (ev: EvaluationInput) => applySectionApprovals({ verdict: evaluatePolicies(ev), evaluation: ev, entries: { owned: entries(FILE, 'slos/a.yaml') }, facts: NO_GROUPS });

  it('min_approvals met, a section not: the policy waits and the reasons say which section and how many more', () => {
    const ev = input([policy({ escalate_to_pagerduty: { when: 'always' } })], [approve('alice')]);
    expect(evaluatePolicies(ev).conclusion).toBe('success');
    const { verdict } = apply(ev);
    expect(verdict).toMatchObject({ conclusion: 'action_required', title: 'Approval needed (owned)', escalate: ['always'] });
    expect(verdict.policies[0]!.status).toBe('pending');
    expect(verdict.reasons).toContain('owned: CODEOWNERS [SLOs] `slos/` needs 2 approvals from @alice, @bob: 1 more needed; approved by @alice');
    expect(verdict.reasons).toContain('owned: CODEOWNERS the entries before any section `*` needs 1 approval from @carol: 1 more needed');
  });

  it('every section met: the verdict is the core\'s, unchanged', () => {
    const ev = input([policy()], [approve('alice'), approve('bob'), approve('carol')]);
    expect(apply(ev).verdict).toEqual(evaluatePolicies(ev));
  });

  it('sections met but min_approvals not: still waiting, by the policy\'s own count', () => {
    const ev = input([policy({ min_approvals: 4 })], [approve('alice'), approve('bob'), approve('carol')]);
    expect(apply(ev).verdict).toMatchObject({ conclusion: 'action_required' });
  });

  it('a section approval given for an older head does not count, even where the policy keeps it', () => {
    const ev = input([policy({ invalidate_approvals_on_push: false })], [approve('alice'), approve('bob', 'old'), approve('carol')]);
    expect(evaluatePolicies(ev).conclusion).toBe('success');
    expect(apply(ev).verdict.conclusion).toBe('action_required');
  });

  it('a blocked policy stays blocked; a policy without codeowners: true is not checked', () => {
    const rejected = input([policy()], [{ ...approve('alice'), decision: 'reject' }]);
    expect(apply(rejected).verdict.conclusion).toBe('failure');
    const plain = input([policy({ approvers: { users: ['alice'] } })], [approve('alice')]);
    expect(apply(plain)).toEqual({ verdict: evaluatePolicies(plain), checks: {} });
  });
});

describe('resolving owners to groups (once per evaluation, capped)', () => {
  function fakeVcs(groups: Record<string, GroupMembers>, team: Record<string, string[]> = {}) {
    const reads: string[] = [];
    const checks: string[] = [];
    return {
      reads, checks,
      vcs: {
        groupMembers: async (g: string): Promise<GroupMembers> => { reads.push(g); return groups[g] ?? { kind: 'missing', group: g, status: 404, message: '404' }; },
        isTeamMember: async (org: string, t: string, login: string) => { checks.push(`${org}|${t}|${login}`); return (team[org ? `${org}/${t}` : t] ?? []).includes(login); },
      },
    };
  }

  it('a bare name GitLab has no group for is a user; a bare group and a subgroup are groups; each is read once', async () => {
    const f = fakeVcs({ sre: members('sre', ['sam']), 'acme/db': members('acme/db', ['dan']) });
    const out = await resolveOwnerGroups(f.vcs, ['alice', 'sre', 'acme/db', 'SRE', 'acme/gone'], ['Sam', 'dan', 'alice']);
    expect(Object.keys(out.groups).sort()).toEqual(['acme/db', 'acme/gone', 'sre']);
    expect(out.groups['acme/gone']).toMatchObject({ kind: 'missing', status: 404 });
    expect(out.memberOf).toEqual({ sam: ['sre'], dan: ['acme/db'], alice: [] });
    expect(f.reads.sort()).toEqual(['acme/db', 'acme/gone', 'alice', 'sre']);
  });

  it('past a truncated member listing, an approver is checked one by one (a top-level group too)', async () => {
    const f = fakeVcs({ big: members('big', ['a'], true) }, { big: ['zed'] });
    const out = await resolveOwnerGroups(f.vcs, ['big'], ['zed', 'yan']);
    expect(out.memberOf).toEqual({ zed: ['big'], yan: [] });
    expect(f.checks).toEqual(['|big|zed', '|big|yan']);
  });

  it(`a CODEOWNERS naming more than ${MAX_OWNER_LOOKUPS} owners makes at most ${MAX_OWNER_LOOKUPS} lookups; groups past that are unresolved and say why`, async () => {
    const f = fakeVcs({});
    const owners = Array.from({ length: MAX_OWNER_LOOKUPS + 5 }, (_, i) => `acme/g${String(i).padStart(3, '0')}`);
    const out = await resolveOwnerGroups(f.vcs, owners, []);
    expect(f.reads).toHaveLength(MAX_OWNER_LOOKUPS);
    expect(out.groups['acme/g054']).toMatchObject({ kind: 'missing', status: 0 });
    expect((out.groups['acme/g054'] as { message: string }).message).toMatch(/looks up at most 50; name fewer owners/);
  });
});
