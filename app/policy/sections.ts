/**
 * GitLab CODEOWNERS section approval counts, enforced the way GitLab's own code-owner approval
 * rules are (docs.gitlab.com, "Advanced CODEOWNERS configuration"; GitLab's
 * MergeRequests::SyncCodeOwnerApprovalRules and ApprovalWrappedCodeOwnerRule):
 * - every entry of a section that owns a changed file is one rule, requiring the section's count
 *   (`[Section][2]`; default 1) of approvals from that entry's owners;
 * - optional sections (`^[Section]`) require nothing; an entry naming no owner requires nothing;
 * - the entries before any section form an unnamed, required section.
 * Where GitLab quietly drops an owner it cannot resolve, the guard fails closed and says why: a
 * group it cannot read, or an e-mail/role owner it cannot compare, approves nothing here.
 *
 * Pure: the caller resolved the groups (app/policy/owner-groups.ts) and passes what it learnt.
 * Applied on top of the core's verdict (the policy's min_approvals still applies), only to
 * policies with `approvers.codeowners: true` that need approval.
 */
import { evaluatePolicies, type Decision, type EvaluationInput, type PolicyResult, type Verdict } from '../core/policy/index.js';
import type { CodeOwnerEntry } from './codeowners.js';
import type { GroupMembers } from './vcs.js';

/** What the caller learnt about the CODEOWNERS owners that are groups; keys and usernames lower-cased. */
export interface OwnerGroups {
  /** Owner name -> its members or why they could not be read. A bare `@name` is here only when it is a group. */
  groups: Record<string, GroupMembers>;
  /** login -> the owner groups it is an active member of (incl. members past a truncated listing, checked one by one). */
  memberOf: Record<string, string[]>;
}

export interface EntryCheck {
  /** `[Name]` as written; '' for the entries before any section. */
  section: string;
  pattern: string;
  files: string[];
  required: number;
  /** Approvers (for the head commit) who count for this entry. */
  approvedBy: string[];
  /** `@alice`, `@acme/sre (group)`, `jane@example.com (not checked)`. */
  owners: string[];
  /** How many people could approve it; null when a group is unread or only partly read. */
  eligible: number | null;
  missing: number;
  /** Why this entry may not be approvable as written, with how to fix it. */
  problems: string[];
}

export const sectionLabel = (section: string) => (section ? `[${section}]` : 'the entries before any section');

/** Why a group owner could not be resolved, and how to fix it. */
export function groupProblem(g: Exclude<GroupMembers, { kind: 'members' }>): string {
  if (g.status === 0) return `@${g.group} could not be resolved: ${g.message}`;
  if (g.kind === 'forbidden') {
    return `@${g.group} could not be resolved: GitLab answered 403 to GET /groups/:id/members/all; give GITLAB_TOKEN the \`api\` (or \`read_api\`) scope and its user access to the group`;
  }
  return `@${g.group} could not be resolved: GitLab answered 404 to GET /groups/:id/members/all (no such group, or one the bot cannot see); check the path in CODEOWNERS, and make the group visible to the bot user (GITLAB_TOKEN's user), e.g. by inviting it to the group`;
}

/** Each required entry of `entries`, with who approved it and what is missing. Optional sections and owner-less entries are left out. */
export function checkEntries(entries: CodeOwnerEntry[], facts: OwnerGroups, approvers: string[]): EntryCheck[] {
  const out: EntryCheck[] = [];
  for (const e of entries) {
    if (e.section.optional || (e.owners.length === 0 && e.unchecked.length === 0)) continue;
    const names = e.owners.map((o) => o.toLowerCase());
    const groups = names.filter((n) => facts.groups[n]);
    const users = names.filter((n) => !facts.groups[n] && !n.includes('/'));
    // A `@group/sub` owner the caller learnt nothing about (no resolver: not GitLab) is a group it could not read.
    const unknown = names.filter((n) => !facts.groups[n] && n.includes('/'));
    const problems: string[] = [];
    for (const g of groups) {
      const info = facts.groups[g]!;
      if (info.kind !== 'members') problems.push(groupProblem(info));
    }
    for (const g of unknown) problems.push(`@${g} could not be resolved: group owners are read from GitLab only`);
    if (e.unchecked.length) {
      problems.push(`${e.unchecked.join(', ')}: e-mail and role owners cannot be checked by the guard and approve nothing here; name GitLab usernames or groups in CODEOWNERS`);
    }
    const approvedBy = approvers.filter((login) => {
      const l = login.toLowerCase();
      return users.includes(l) || (facts.memberOf[l] ?? []).some((g) => groups.includes(g));
    });
    const complete = unknown.length === 0 && groups.every((g) => { const i = facts.groups[g]!; return i.kind === 'members' && !i.truncated; });
    const eligible = complete ? new Set([...users, ...groups.flatMap((g) => { const i = facts.groups[g]!; return i.kind === 'members' ? i.usernames : []; })]).size : null;
    const required = e.section.approvals;
    if (eligible !== null && eligible < required) {
      problems.push(`${required} approvals are required but only ${eligible} ${eligible === 1 ? 'person' : 'people'} can give them; lower the count in the ${sectionLabel(e.section.name)} header or add owners to \`${e.pattern}\``);
    }
    out.push({
      section: e.section.name, pattern: e.pattern, files: e.files, required, approvedBy, eligible, problems,
      owners: [...e.owners.map((o) => `@${o}${facts.groups[o.toLowerCase()] || o.includes('/') ? ' (group)' : ''}`), ...e.unchecked.map((u) => `${u} (not checked)`)],
      missing: Math.max(0, required - approvedBy.length),
    });
  }
  return out;
}

/** One line per unmet entry: the section, its count, who can approve, how many more are needed. */
export function unmetLine(policyId: string, c: EntryCheck): string {
  const approved = c.approvedBy.length ? `; approved by ${c.approvedBy.map((l) => `@${l}`).join(', ')}` : '';
  return `${policyId}: CODEOWNERS ${sectionLabel(c.section)} \`${c.pattern}\` needs ${c.required} approval${c.required === 1 ? '' : 's'} from ${c.owners.join(', ')}: ${c.missing} more needed${approved}`;
}

/** Logins of `approvedBy` whose latest approval is for `headSha` (GitLab code-owner approvals count for the head only). */
export function approvedForHead(approvedBy: string[], decisions: Decision[], headSha: string): string[] {
  const sorted = [...decisions].sort((a, b) => a.at.localeCompare(b.at));
  return approvedBy.filter((login) => sorted.findLast((d) => d.decision === 'approve' && d.login?.toLowerCase() === login.toLowerCase())?.sha === headSha);
}

export interface SectionsInput {
  verdict: Verdict;
  /** The core's input, for the escalation of a policy this turns to pending. */
  evaluation: EvaluationInput;
  /** The code-owner entries of the files each policy applies to, by policy_id. */
  entries: Record<string, CodeOwnerEntry[]>;
  facts: OwnerGroups;
}

/**
 * The verdict with the section counts applied: an `approved` policy with an unmet section is
 * `pending`, and every unmet section is a reason. `checks` has each checked policy's entries,
 * met or not, for the check text.
 */
export function applySectionApprovals(input: SectionsInput): { verdict: Verdict; checks: Record<string, EntryCheck[]> } {
  const { verdict, evaluation } = input;
  const checks: Record<string, EntryCheck[]> = {};
  const byId = new Map(evaluation.policies.map((p) => [p.policy_id, p]));
  const policies = verdict.policies.map((r): PolicyResult => {
    const policy = byId.get(r.policy_id);
    if (!policy?.approvers.codeowners || (r.status !== 'approved' && r.status !== 'pending')) return r;
    const found = checkEntries(input.entries[r.policy_id] ?? [], input.facts, approvedForHead(r.approvedBy, evaluation.decisions, evaluation.headSha));
    if (!found.length) return r;
    checks[r.policy_id] = found;
    const unmet = found.filter((c) => c.missing > 0);
    if (!unmet.length) return r;
    const lines = unmet.map((c) => unmetLine(r.policy_id, c));
    if (r.status === 'pending') return { ...r, reasons: [...r.reasons, ...lines] };
    // min_approvals is met but a section is not: waiting, and escalated as any waiting policy is.
    const escalation = evaluatePolicies({ ...evaluation, policies: [policy], decisions: [] }).policies[0]?.escalation ?? [];
    const reasons = r.reasons.map((l) => (l.startsWith(`${r.policy_id}: approved by `) ? l.replace(': approved by ', ': min_approvals met by ').concat('; CODEOWNERS sections still wait') : l));
    return { ...r, status: 'pending', escalation, reasons: [...reasons, ...lines] };
  });
  if (policies.every((p, i) => p === verdict.policies[i])) return { verdict, checks };
  const pending = policies.filter((p) => p.status === 'pending').map((p) => p.policy_id);
  // A failed policy keeps the verdict a failure; otherwise anything waiting makes it wait.
  const waits = verdict.conclusion !== 'failure' && pending.length > 0;
  const reasons = policies.flatMap((p) => p.reasons);
  if (policies.every((p) => p.status === 'not_applicable')) reasons.push(verdict.title);
  return {
    verdict: {
      ...verdict, policies, reasons,
      escalate: [...new Set(policies.flatMap((p) => p.escalation))],
      ...(waits ? { conclusion: 'action_required' as const, title: `Approval needed (${pending.join(', ')})` } : {}),
    },
    checks,
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The check text's table of checked entries, and the problems that need a fix in CODEOWNERS or the token. */
export function renderSectionChecks(checks: Record<string, EntryCheck[]>): string {
  const rows = Object.entries(checks).flatMap(([id, list]) => list.map((c) => `| \`${id}\` | ${cell(sectionLabel(c.section))} | \`${cell(c.pattern)}\` | ${c.approvedBy.length}/${c.required}${c.approvedBy.length ? ` (${c.approvedBy.map((l) => `@${l}`).join(', ')})` : ''} | ${c.missing ? `⏳ ${c.missing} more needed` : '✅'} | ${cell(c.owners.join(', '))} |`));
  if (!rows.length) return '';
  const problems = [...new Set(Object.values(checks).flatMap((list) => list.flatMap((c) => c.problems)))];
  return [
    '### CODEOWNERS approvals (GitLab sections)',
    '',
    'Each required section entry that owns a changed file needs its section\'s count of approvals from its owners, for the current head; optional sections (`^[Name]`) need none.',
    '',
    '| policy | section | entry | approvals | status | who can approve |',
    '|---|---|---|---|---|---|',
    ...rows,
    ...(problems.length ? ['', ...problems.map((p) => `- ⚠️ ${p}`)] : []),
    '',
  ].join('\n');
}
