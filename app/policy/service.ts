/**
 * The Policy Guard check run: read the policy from the BASE commit, derive the change from the
 * PR's SLO files (base vs head), map every recorded decision to a GitHub login, evaluate (pure
 * core), write the check run, audit it, and tell Slack / PagerDuty when configured.
 */
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { parseAllDocuments } from 'yaml';
import type { BaseDeps } from '../deps.js';
import { CONFIG_FILE_NAMES } from '../config/schema.js';
import { formatConfigError } from '../config/loader.js';
import { parsePolicySections, type PolicySections } from '../config/policies.js';
import { deriveChange, evaluatePolicies, type ChangedFile, type Decision, type Policy, type Verdict, type ChangeSet } from '../core/policy/index.js';
import type { DecisionStore } from '../store/approvals.js';
import type { AuditStore } from '../store/audit.js';
import type { NotificationStore } from '../store/notifications.js';
import { approvalBlocks, outcomeBlocks, type ApprovalMessage, type SlackClient } from '../chat/slack.js';
import { dedupKey, type PagerDutyClient } from '../chat/pagerduty.js';
import { codeOwnerEntries, codeownersPaths, ownersOf, parseCodeowners } from './codeowners.js';
import { resolveOwnerGroups } from './owner-groups.js';
import { applySectionApprovals, renderSectionChecks, type OwnerGroups } from './sections.js';
import { renderCheckText, renderSummary } from './render.js';
import { Output } from '../config/analysis.js';
import { defaultPolicyPaths, knownServicesInLayout, type LayoutOutput } from '../export/layout.js';
import type { PolicyChangedFile, PolicyPullRequest, PolicyReview, PolicyVcs } from './vcs.js';
import type { EvaluationStore } from '../store/evaluations.js';
import type { DetailsLinks } from '../web/links.js';
import { evaluationRecord } from './evaluation-record.js';

export interface PolicyDeps extends BaseDeps {
  vcs: PolicyVcs;
  decisions: DecisionStore;
  audit: AuditStore;
  notifications: NotificationStore;
  /** Present when SLACK_BOT_TOKEN is set. */
  slack?: SlackClient;
  /** Present when PagerDuty is enabled (Events API needs no token; on-call lookups need PAGERDUTY_API_TOKEN). */
  pagerduty?: PagerDutyClient;
  /** Environment for `{ env: NAME }` routing-key references. */
  env: Record<string, string | undefined>;
  /** The GitHub App installation; kept with each Slack/PagerDuty notification so an approval there can re-evaluate. */
  installationId?: number;
  /** The code host of `vcs`; kept with each notification too, so a Slack/PagerDuty approval re-evaluates a GitLab MR on GitLab. */
  platform?: 'github' | 'gitlab';
  /** Stores each evaluation for the details page (issue 14); absent = no page to link to. */
  evaluations?: EvaluationStore;
  /** Signed links to the details pages (SLO_SCOUT_PUBLIC_URL + SLO_SCOUT_UI_SECRET). */
  links?: DetailsLinks;
}

export type Trigger = 'push' | 'comment' | 'review' | 'rerequested' | 'slack' | 'pagerduty' | 'manual';

export interface EvaluationOutcome {
  conclusion: Verdict['conclusion'];
  title: string;
  verdict?: Verdict;
  policyHash?: string;
}

const matchPath = (globs: string[], path: string) => picomatch(globs, { dot: true })(path);

function policyHash(sections: PolicySections): string {
  return createHash('sha256').update(JSON.stringify({ policies: sections.policies, policy_guard: sections.policy_guard })).digest('hex');
}

async function readPolicy(deps: PolicyDeps, repo: string, baseSha: string): Promise<{ file: string; text: string } | null> {
  for (const name of CONFIG_FILE_NAMES) {
    const text = await deps.vcs.readFile(repo, name, baseSha);
    if (text !== null) return { file: name, text };
  }
  return null;
}

function parseDocs(text: string | null): unknown[] | null {
  if (text === null) return null;
  // A document YAML cannot parse is skipped here: the "SLO-Scout config"/validate checks report syntax.
  return parseAllDocuments(text).filter((d) => d.errors.length === 0).map((d) => d.toJS() as unknown);
}

async function gatherChange(deps: PolicyDeps, repo: string, pr: PolicyPullRequest, files: PolicyChangedFile[], globs: string[]): Promise<ChangeSet> {
  const relevant = files.filter((f) => matchPath(globs, f.path) || (f.previousPath !== undefined && matchPath(globs, f.previousPath)));
  const changed: ChangedFile[] = await Promise.all(relevant.map(async (f) => ({
    path: f.path,
    base: f.status === 'added' ? null : parseDocs(await deps.vcs.readFile(repo, f.previousPath ?? f.path, pr.baseSha)),
    head: f.status === 'removed' ? null : parseDocs(await deps.vcs.readFile(repo, f.path, pr.headSha)),
  })));
  return deriveChange(changed);
}

/** Decisions as the evaluator sees them: channel identities mapped through the BASE branch config. */
export function mapDecisions(rows: Awaited<ReturnType<DecisionStore['forPullRequest']>>, settings: PolicySections['policy_guard']): Decision[] {
  const slackUsers = settings.slack?.users ?? {};
  const pdUsers = Object.fromEntries(Object.entries(settings.pagerduty?.users ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return rows.map((r) => {
    let login: string | null = r.identity;
    if (r.channel === 'slack') login = slackUsers[r.identity.replace(/^slack:/, '')] ?? null;
    if (r.channel === 'pagerduty') login = pdUsers[r.identity.replace(/^pagerduty:/, '').toLowerCase()] ?? null;
    return { login, identity: r.identity, channel: r.channel, decision: r.decision, sha: r.headSha, at: r.createdAt.toISOString(), ...(r.reason ? { reason: r.reason } : {}) };
  });
}

/**
 * Native reviews as decisions, with GitHub's own semantics: a reviewer's latest APPROVED or
 * CHANGES_REQUESTED review is their state (a COMMENTED review does not change it), and a
 * DISMISSED review withdraws it. The review's commit is its SHA, so a review of an older head is
 * stale for the evaluator exactly like a comment approval.
 */
export function reviewDecisions(reviews: PolicyReview[]): Decision[] {
  const latest = new Map<string, PolicyReview>();
  for (const r of reviews) {
    if (r.state === 'COMMENTED' || r.state === 'PENDING') continue;
    latest.set(r.login.toLowerCase(), r);
  }
  const out: Decision[] = [];
  for (const r of latest.values()) {
    if (r.state === 'DISMISSED' || !r.commitId) continue;
    out.push({ login: r.login, identity: r.login, channel: 'review', decision: r.state === 'APPROVED' ? 'approve' : 'reject', sha: r.commitId, at: r.submittedAt ?? new Date(0).toISOString(), ...(r.state === 'CHANGES_REQUESTED' ? { reason: 'requested changes in a review' } : {}) });
  }
  return out;
}

/** Policy teams are written as `sre` (the repo's org) or `org/sre`; compare them in one form. */
function qualifyTeams(policies: Policy[], owner: string): Policy[] {
  return policies.map((p) => ({ ...p, approvers: { ...p.approvers, teams: p.approvers.teams.map((t) => (t.includes('/') ? t : `${owner}/${t}`)) } }));
}

/** The repo's `output:` section (format and path), defaults when absent or invalid (the config check reports that). */
export function outputOf(sections: PolicySections): LayoutOutput {
  const parsed = Output.safeParse((sections as { output?: unknown }).output ?? {});
  const { format, path } = parsed.success ? parsed.data : Output.parse({});
  return { format, path };
}

/**
 * The denominator of `max_services: 10%`. Services are what the output layout says is a service:
 * a folder `<output.path>/slos/<service>/` holding a spec of the configured format. A repository
 * whose SLO files are laid out by hand (no such folder) counts the entries right below each
 * policy glob's fixed part (`slos/<service>.yaml` or `slos/<service>/...`).
 */
export function countServicesInTree(paths: string[], output: LayoutOutput, globs: string[]): number {
  const fromLayout = knownServicesInLayout(paths, output);
  if (fromLayout > 0) return fromLayout;
  const services = new Set<string>();
  for (const glob of globs) {
    const base = picomatch.scan(glob).base.replace(/\/+$/, '');
    const prefix = base ? `${base}/` : '';
    for (const p of paths) {
      if (!p.startsWith(prefix) || !matchPath([glob], p)) continue;
      const first = p.slice(prefix.length).split('/')[0];
      if (first) services.add(`${prefix}${first.replace(/\.(ya?ml|json)$/, '')}`);
    }
  }
  return services.size;
}

async function countKnownServices(deps: PolicyDeps, repo: string, ref: string, sections: PolicySections, globs: string[]): Promise<number> {
  if (sections.policy_guard.known_services) return sections.policy_guard.known_services;
  return countServicesInTree(await deps.vcs.listFiles(repo, ref), outputOf(sections), globs);
}

export async function evaluatePullRequest(deps: PolicyDeps, repo: string, prNumber: number, trigger: Trigger): Promise<EvaluationOutcome> {
  const logger = deps.logger.child({ repo, pr: prNumber, trigger, component: 'policy-guard' });
  const pr = await deps.vcs.getPullRequest(repo, prNumber);
  const owner = repo.split('/')[0]!;
  const policyFile = await readPolicy(deps, repo, pr.baseSha);
  // No config file on the base branch: no policies, so the check passes (and says so).
  const parsed = parsePolicySections(policyFile?.text ?? '', policyFile?.file ?? '.slo-scout.yml');
  if (!parsed.ok) {
    const lines = parsed.errors.map(formatConfigError);
    const title = `Policy in ${policyFile?.file} on the base branch is invalid`;
    await deps.vcs.writeCheckRun(repo, {
      headSha: pr.headSha, prNumber: pr.number, conclusion: 'failure', title,
      summary: `Fix these in \`${policyFile?.file}\` on the base branch (the policy is never read from the PR itself):\n\n${lines.map((l) => `- \`${l}\``).join('\n')}`,
      annotations: parsed.errors.map((e) => ({ path: e.file, line: e.line, message: e.message })),
    });
    await deps.audit.append({ repo, prNumber, headSha: pr.headSha, actor: 'slo-scout', channel: 'system', event: 'verdict', verdict: 'failure', reasons: lines });
    logger.warn({ errors: lines }, 'policy config invalid');
    return { conclusion: 'failure', title };
  }
  const sections = parsed.config;
  const hash = policyHash(sections);
  const policies = qualifyTeams(sections.policies, owner);
  const globs = [...new Set(policies.flatMap((p) => p.applies_to.paths))];
  const files = await deps.vcs.listChangedFiles(repo, prNumber);
  const derived = await gatherChange(deps, repo, pr, files, globs.length ? globs : defaultPolicyPaths(outputOf(sections).path));
  const critical = new Set(sections.policy_guard.critical_services);
  const change = { ...derived, slos: derived.slos.map((s) => ({ ...s, critical: s.critical || critical.has(s.service) })) };
  const decisions = [...mapDecisions(await deps.decisions.forPullRequest(repo, prNumber), sections.policy_guard), ...reviewDecisions(await deps.vcs.listReviews(repo, prNumber))];

  // The code host's own CODEOWNERS locations and syntax (GitLab: its paths and [Section]s), from the base commit.
  const codeownersText = policies.some((p) => p.approvers.codeowners)
    ? (await Promise.all(codeownersPaths(deps.platform).map((p) => deps.vcs.readFile(repo, p, pr.baseSha)))).find((t) => t !== null) ?? null
    : null;
  const codeownerRules = codeownersText ? parseCodeowners(codeownersText, deps.platform) : null;
  let codeowners = codeownerRules ? ownersOf(codeownerRules, change.files) : { users: [], teams: [] };
  const logins = [...new Set(decisions.map((d) => d.login).filter((l): l is string => l !== null))];
  // GitLab: owners that are groups (`@group`, `@group/sub`) are read as member lists, once per evaluation.
  const groupMembers = deps.vcs.groupMembers?.bind(deps.vcs);
  const ownerGroups: OwnerGroups | null = codeownerRules && deps.platform === 'gitlab'
    ? groupMembers ? await resolveOwnerGroups({ isTeamMember: deps.vcs.isTeamMember.bind(deps.vcs), groupMembers }, [...codeowners.users, ...codeowners.teams], logins) : { groups: {}, memberOf: {} }
    : null;
  if (ownerGroups && groupMembers) {
    const isGroup = (o: string) => ownerGroups.groups[o.toLowerCase()] !== undefined;
    codeowners = { users: codeowners.users.filter((u) => !isGroup(u)), teams: [...codeowners.teams, ...codeowners.users.filter(isGroup)].sort() };
  }
  // Code-owner groups looked up as member lists are not checked per person again: one that could
  // not be read approves nothing as a code owner (fail closed), unless it is a policy team too.
  const looked = groupMembers ? ownerGroups?.groups ?? {} : {};
  const teams = [...new Set([
    ...policies.flatMap((p) => p.approvers.teams).filter((t) => looked[t.toLowerCase()]?.kind !== 'members'),
    ...codeowners.teams.filter((t) => looked[t.toLowerCase()] === undefined),
  ])];
  const teamsOf: Record<string, string[]> = {};
  for (const login of logins) {
    // `org/team`; on GitLab the team part may itself hold subgroups (`org/sub/team`).
    const member = await Promise.all(teams.map(async (t) => [t, await deps.vcs.isTeamMember(t.slice(0, t.indexOf('/')), t.slice(t.indexOf('/') + 1), login)] as const));
    teamsOf[login] = [...member.filter(([, m]) => m).map(([t]) => t), ...(ownerGroups?.memberOf[login.toLowerCase()] ?? [])];
  }
  // Only a percentage limit needs the fleet size (one tree listing of the base commit).
  const knownServices = policies.some((p) => p.max_services?.kind === 'percent') && change.services.length ? await countKnownServices(deps, repo, pr.baseSha, sections, globs) : 0;

  const evaluation = {
    change, policies, settings: sections.policy_guard, decisions, author: pr.author, headSha: pr.headSha, knownServices,
    facts: { teamsOf, codeowners }, matchPath,
  };
  let verdict = evaluatePolicies(evaluation);
  // GitLab: each required CODEOWNERS section entry owning a file of a `codeowners: true` policy
  // needs its section's count of approvals too (app/policy/sections.ts).
  let sectionText = '';
  if (codeownerRules && ownerGroups) {
    const entries = Object.fromEntries(policies.filter((p) => p.approvers.codeowners)
      .map((p) => [p.policy_id, codeOwnerEntries(codeownerRules, change.files.filter((f) => matchPath(p.applies_to.paths, f)))]));
    const applied = applySectionApprovals({ verdict, evaluation, entries, facts: ownerGroups });
    verdict = applied.verdict;
    sectionText = renderSectionChecks(applied.checks);
  }

  // Stored before the check run links to it, so the link never points at a page that is not there yet.
  let detailsUrl: string | undefined;
  if (deps.evaluations) {
    await deps.evaluations.save(repo, prNumber, evaluationRecord({
      verdict, change, policies, knownServices, headSha: pr.headSha, baseSha: pr.baseSha, configFile: policyFile?.file ?? '.slo-scout.yml', policyHash: hash, evaluatedAt: deps.clock.now(),
    }));
    detailsUrl = deps.links?.evaluation(repo, prNumber, pr.headSha);
  }
  const escalated = verdict.escalate.length > 0 && pr.state === 'open' ? await escalate(deps, repo, pr, change, verdict, sections, detailsUrl) : false;
  const slackChannel = deps.slack && sections.policy_guard.slack ? sections.policy_guard.slack.channel : undefined;
  await deps.vcs.writeCheckRun(repo, {
    headSha: pr.headSha, prNumber: pr.number, conclusion: verdict.conclusion, title: verdict.title, ...(detailsUrl ? { detailsUrl } : {}),
    summary: renderSummary(verdict),
    text: renderCheckText({ verdict, change, configFile: policyFile?.file ?? '.slo-scout.yml', baseSha: pr.baseSha, headSha: pr.headSha, policyHash: hash, slackChannel, pagerDutyEscalated: escalated, ...(deps.platform ? { platform: deps.platform } : {}), ...(sectionText ? { codeOwnerSections: sectionText } : {}) }),
  });
  await deps.audit.append({ repo, prNumber, headSha: pr.headSha, actor: 'slo-scout', channel: trigger === 'push' || trigger === 'manual' || trigger === 'rerequested' ? 'system' : trigger, event: 'verdict', policyHash: hash, verdict: verdict.conclusion, reasons: verdict.reasons });
  if (slackChannel && pr.state === 'open') await notifySlack(deps, repo, pr, verdict, slackChannel, detailsUrl).catch((err: unknown) => logger.warn({ err }, 'slack notification failed'));
  logger.info({ conclusion: verdict.conclusion, policyHash: hash.slice(0, 12) }, 'policy evaluated');
  return { conclusion: verdict.conclusion, title: verdict.title, verdict, policyHash: hash };
}

function messageFor(repo: string, pr: PolicyPullRequest, verdict: Verdict, detailsUrl?: string): ApprovalMessage {
  return { repo, pr: pr.number, sha: pr.headSha, url: pr.url, title: verdict.title, lines: verdict.reasons.slice(0, 10), ...(detailsUrl ? { detailsUrl } : {}) };
}

async function notifySlack(deps: PolicyDeps, repo: string, pr: PolicyPullRequest, verdict: Verdict, channel: string, detailsUrl?: string): Promise<void> {
  const slack = deps.slack!;
  const existing = await deps.notifications.find(repo, pr.number, 'slack', pr.headSha);
  const msg = messageFor(repo, pr, verdict, detailsUrl);
  if (verdict.conclusion === 'action_required') {
    if (existing) {
      await slack.update(existing.ref.channel!, existing.ref.ts!, msg.title, approvalBlocks(msg));
      return;
    }
    const posted = await slack.postMessage(channel, `Policy Guard: ${repo}#${pr.number} needs approval`, approvalBlocks(msg));
    await deps.notifications.remember({ repo, prNumber: pr.number, kind: 'slack', headSha: pr.headSha, ref: { ...posted, ...installationRef(deps) } });
    return;
  }
  if (existing) {
    const outcome = verdict.conclusion === 'success' ? `✅ ${verdict.title}` : `❌ ${verdict.title}`;
    await slack.update(existing.ref.channel!, existing.ref.ts!, outcome, outcomeBlocks(msg, `${outcome}\n${verdict.reasons.slice(0, 5).map((r) => `• ${r}`).join('\n')}`));
  }
}

/** Notification refs are strings (jsonb of text); the installation and the platform travel as such. */
const installationRef = (deps: PolicyDeps): Record<string, string> => ({
  ...(deps.installationId === undefined ? {} : { installation_id: String(deps.installationId) }),
  ...(deps.platform ? { platform: deps.platform } : {}),
});

function routingKeyEnv(sections: PolicySections, services: string[]): string | null {
  const keys = sections.policy_guard.pagerduty?.routing_keys ?? {};
  for (const s of services) if (keys[s]) return keys[s].env;
  return keys.default?.env ?? null;
}

/** Triggers one Events API v2 event per PR+SHA (the dedup key makes retries harmless). */
async function escalate(deps: PolicyDeps, repo: string, pr: PolicyPullRequest, change: ChangeSet, verdict: Verdict, sections: PolicySections, detailsUrl?: string): Promise<boolean> {
  if (!deps.pagerduty) return false;
  const envName = routingKeyEnv(sections, change.services);
  const routingKey = envName ? deps.env[envName] : undefined;
  if (!envName || !routingKey) {
    deps.logger.warn({ repo, pr: pr.number, envName }, `escalation wanted but no routing key: set policy_guard.pagerduty.routing_keys (per service or "default") to { env: NAME } and export that variable`);
    return false;
  }
  const key = dedupKey(repo, pr.number, pr.headSha);
  if (await deps.notifications.find(repo, pr.number, 'pagerduty', pr.headSha)) return true;
  await deps.pagerduty.sendEvent({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: key,
    payload: {
      summary: `SLO change needs approval: ${repo}#${pr.number} (${verdict.escalate.join(', ')})`.slice(0, 1024),
      source: deps.platform === 'gitlab' ? `gitlab:${repo}` : `github.com/${repo}`,
      severity: 'warning',
      component: change.services.join(',').slice(0, 200) || undefined,
      class: 'slo-policy',
      custom_details: { reasons: verdict.reasons, head_sha: pr.headSha, services: change.services },
    },
    links: [{ href: pr.url, text: `${repo}#${pr.number}` }, ...(detailsUrl ? [{ href: detailsUrl, text: 'Policy Guard evaluation: limits, cost, approvers' }] : [])],
    client: 'SLO-Scout Policy Guard',
    client_url: pr.url,
  });
  await deps.notifications.remember({ repo, prNumber: pr.number, kind: 'pagerduty', headSha: pr.headSha, ref: { dedup_key: key, routing_env: envName, ...installationRef(deps) } });
  await deps.audit.append({ repo, prNumber: pr.number, headSha: pr.headSha, actor: 'slo-scout', channel: 'pagerduty', event: 'escalate', reasons: verdict.escalate });
  return true;
}

/** PR merged or closed: resolve every PagerDuty event still open for it. */
export async function resolveEscalations(deps: PolicyDeps, repo: string, prNumber: number): Promise<number> {
  if (!deps.pagerduty) return 0;
  const open = await deps.notifications.open(repo, prNumber, 'pagerduty');
  for (const n of open) {
    const routingKey = n.ref.routing_env ? deps.env[n.ref.routing_env] : undefined;
    if (!routingKey) continue;
    await deps.pagerduty.sendEvent({ routing_key: routingKey, event_action: 'resolve', dedup_key: n.ref.dedup_key! });
    await deps.notifications.markResolved(repo, prNumber, 'pagerduty', n.headSha);
    await deps.audit.append({ repo, prNumber, headSha: n.headSha, actor: 'slo-scout', channel: 'pagerduty', event: 'resolve', reasons: ['pull request closed'] });
  }
  return open.length;
}
