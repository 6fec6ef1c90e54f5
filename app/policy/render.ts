/** The check run's Markdown (templates/policy/check.md.hbs) and the one-line summaries for Slack and PagerDuty. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatUsd, type Objective, type Verdict, type ChangeSet } from '../core/policy/index.js';

function templatePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'templates', 'policy', 'check.md.hbs');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('templates/policy/check.md.hbs not found; the package must ship its templates/ folder');
}

let compiled: HandlebarsTemplateDelegate | undefined;
function template(): HandlebarsTemplateDelegate {
  // noEscape: Markdown, not HTML; cell values are escaped for tables below.
  compiled ??= Handlebars.create().compile(readFileSync(templatePath(), 'utf8'), { noEscape: true });
  return compiled;
}

/** Table cells: a `|` would split the cell, a newline would end the row. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function objectives(o: Objective[] | null): string {
  if (!o) return '—';
  return o.map((x) => `${x.target}%${x.threshold !== null ? ` ≤ ${x.threshold}` : ''}`).join(', ');
}

const STATUS: Record<string, string> = {
  not_applicable: 'does not apply', passed: '✅ inside policy', approved: '✅ approved', pending: '⏳ waiting for approval', failed: '❌ blocked',
};

export interface RenderContext {
  verdict: Verdict;
  change: ChangeSet;
  configFile: string;
  baseSha: string;
  headSha: string;
  policyHash: string;
  slackChannel?: string;
  pagerDutyEscalated: boolean;
  /** The code host: GitLab says "merge request" and has its own Approve button. Default github. */
  platform?: 'github' | 'gitlab';
  /** GitLab: the CODEOWNERS section approvals block (app/policy/sections.ts renderSectionChecks), shown after the policies. */
  codeOwnerSections?: string;
}

/** `block` right after the Policies table: before the first heading that follows it. */
function afterPolicies(text: string, block: string): string {
  const at = ['\n### How to approve', '\n### Decisions that did not count', '\n### What this'].map((h) => text.indexOf(h)).filter((i) => i >= 0);
  const i = at.length ? Math.min(...at) + 1 : text.length;
  return `${text.slice(0, i)}${block}\n${text.slice(i)}`;
}

export function renderCheckText(ctx: RenderContext): string {
  const { verdict } = ctx;
  const active = verdict.policies.filter((p) => p.status !== 'not_applicable');
  const gitlab = ctx.platform === 'gitlab';
  const change = gitlab ? 'merge request' : 'pull request';
  const howTo = [
    `comment \`/slo-scout approve [reason]\` (or \`/slo-scout reject [reason]\`) on this ${change}`,
    // Native reviews count as decisions too (app/policy/github.ts reads reviews, gitlab.ts MR approvals and reviewer states).
    gitlab ? 'press Approve on this merge request in GitLab (it counts for the current head only; a review submitted with Request changes rejects)' : 'submit an Approve review (Request changes rejects) on the current head',
  ];
  if (ctx.slackChannel) howTo.push(`press Approve or Reject on the message in Slack channel ${ctx.slackChannel}`);
  if (ctx.pagerDutyEscalated) howTo.push('the on-call engineer acknowledging the PagerDuty incident for this change counts as their approval');
  const text = template()({
    violations: active.flatMap((p) => p.violations.map((v) => ({ policy: p.policy_id, rule: v.rule, limit: cell(v.limit), actual: cell(v.actual) }))),
    policies: verdict.policies.map((p) => ({
      id: p.policy_id,
      status: STATUS[p.status],
      approvals: p.approvalNeeded ? `${p.approvedBy.length}/${p.minApprovals}${p.approvedBy.length ? ` (${p.approvedBy.map((l) => `@${l}`).join(', ')})` : ''}` : '—',
      approvers: cell([...p.approvers.users.map((u) => `@${u}`), ...p.approvers.teams.map((t) => `team @${t}`), ...p.approvers.codeowners.map((c) => `code owner @${c}`)].join(', ') || 'nobody: add approvers to the policy'),
    })),
    needsAction: verdict.conclusion !== 'success',
    howTo,
    ignored: active.flatMap((p) => p.ignored.map((i) => `${i.decision} by \`${i.identity}\` via ${i.channel}: ${i.reason}`)),
    slos: ctx.change.slos.map((s) => ({ key: s.key, service: cell(s.service), endpoint: cell(s.endpoint), kind: s.kind, critical: s.critical, before: objectives(s.before), after: objectives(s.after) })),
    rules: ctx.change.rules,
    cost: verdict.cost.lines.map((l) => ({ label: l.label, arithmetic: cell(l.arithmetic), usd: formatUsd(l.usd) })),
    costTotal: formatUsd(verdict.cost.totalUsd),
    change,
    configFile: ctx.configFile,
    baseSha: ctx.baseSha.slice(0, 7),
    headSha: ctx.headSha.slice(0, 7),
    policyHash: ctx.policyHash.slice(0, 12),
  });
  return ctx.codeOwnerSections ? afterPolicies(text, ctx.codeOwnerSections) : text;
}

export function renderSummary(verdict: Verdict): string {
  return verdict.reasons.map((r) => `- ${r}`).join('\n');
}
