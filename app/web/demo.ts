/**
 * `slo-scout serve --demo`: the details pages on the built-in synthetic fleet (the same report
 * `slo-scout demo` writes) and one Policy Guard evaluation of a made-up pull request, computed by
 * the real evaluator, so every page renders with no PostgreSQL, Redis or GitHub running.
 */
import { fixedClock } from '../deps.js';
import type { Logger } from '../logger.js';
import { runAnalysis } from '../pipeline.js';
import type { Report } from '../core/report.js';
import { evaluatePolicies, Policy, PolicyGuardSettings, type ChangeSet, type Decision } from '../core/policy/index.js';
import { safeName } from '../export/common.js';
import { DEMO_END, FleetHistorySource } from '../cli/demo.js';
import { evaluationRecord } from '../policy/evaluation-record.js';
import type { WebData } from './data.js';
import type { AuditRow, DecisionRow, StoredEvaluation } from './schema.js';
import { DEFAULT_OUTPUT_PATH, slosDir } from '../export/layout.js';

export const DEMO_REPO = 'demo/fleet';
export const DEMO_PR = 42;
export const DEMO_HEAD = 'c0ffee5a1b2c3d4e5f60718293a4b5c6d7e8f901';
const DEMO_OLD_HEAD = '5eed1234abcd5678ef90a1b2c3d4e5f607182930';
const DEMO_BASE = 'ba5e0000aaaa1111bbbb2222cccc3333dddd4444';
const DEMO_AUTHOR = 'dana';

/** The analysis `slo-scout demo` runs (seed 42, 28 days as of DEMO_END, hourly steps for the simulator). */
export function demoReport(logger: Logger, seed = 42): Promise<Report> {
  return runAnalysis(
    { source: new FleetHistorySource({ seed, scenario: 'demo' }), logger, clock: fixedClock(new Date(DEMO_END * 1000)) },
    { end: DEMO_END, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed, hourly: true },
  );
}

const iso = (offsetSeconds: number) => new Date((DEMO_END + offsetSeconds) * 1000).toISOString();

/** A PR that adopts the proposals of the first two services: what the demo evaluation judges. */
function demoChange(report: Report): ChangeSet {
  const services = [...new Set(report.proposals.map((p) => p.service))].slice(0, 2);
  const slos = report.proposals.filter((p) => services.includes(p.service)).map((p, i) => {
    const selected = p.variants.find((v) => v.type === p.selectedVariant)!;
    const before = p.variants.find((v) => v.type === 'conservative')!;
    const objective = (v: typeof selected) => ({ target: v.target, threshold: v.thresholdSeconds });
    return {
      key: `${p.service}/${safeName(p.sloId)}`, slo: safeName(p.sloId), service: p.service, endpoint: p.endpoint ?? '', file: `${DEMO_SLOS_DIR}/${safeName(p.service)}/${safeName(p.sloId)}.openslo.yaml`,
      // The first SLO is new; the others move from the conservative to the selected objective.
      kind: i === 0 ? 'added' as const : selected.target > before.target ? 'tightened' as const : 'changed' as const,
      critical: i === 0, before: i === 0 ? null : [objective(before)], after: [objective(selected)],
    };
  });
  return {
    files: [...new Set(slos.map((s) => s.file)), ...services.map((s) => `${DEMO_SLOS_DIR}/${safeName(s)}/rules.yaml`)],
    slos, services, endpoints: [...new Set(slos.map((s) => s.endpoint))],
    rules: { recordingAdded: slos.length * 4, recordingRemoved: 0, alertingAdded: slos.length * 2, alertingRemoved: 0 },
  };
}

// The demo PR writes where the app does (default output.path), so the default applies_to covers it.
const DEMO_SLOS_DIR = slosDir(DEFAULT_OUTPUT_PATH);

const POLICIES = [
  { policy_id: 'critical-slos', max_services: 1, max_endpoints: 6, max_cost: '$0.05', approvers: { teams: ['demo/sre'], users: ['alice'] }, min_approvals: 2, escalate_to_pagerduty: { when: 'tightens critical SLO or over max_cost' } },
  { policy_id: 'docs-only', approval_required: false, applies_to: { paths: ['docs/**'] } },
];

const DECISIONS: Decision[] = [
  { login: 'alice', identity: 'alice', channel: 'comment', decision: 'approve', sha: DEMO_HEAD, at: iso(3_600), reason: 'checkout numbers match the incident review' },
  { login: 'bob', identity: 'slack:U024BE7LH', channel: 'slack', decision: 'approve', sha: DEMO_OLD_HEAD, at: iso(1_800) },
  { login: DEMO_AUTHOR, identity: DEMO_AUTHOR, channel: 'comment', decision: 'approve', sha: DEMO_HEAD, at: iso(3_000) },
];

export function demoEvaluation(report: Report): StoredEvaluation {
  const change = demoChange(report);
  const policies = POLICIES.map((p) => Policy.parse(p));
  const settings = PolicyGuardSettings.parse({});
  const matchPath = (globs: string[], path: string) => globs.some((g) => path.startsWith(g.replace(/\*+$/, '')));
  const verdict = evaluatePolicies({
    change, policies, settings, decisions: DECISIONS, author: DEMO_AUTHOR, headSha: DEMO_HEAD, knownServices: new Set(report.proposals.map((p) => p.service)).size,
    facts: { teamsOf: { alice: ['demo/sre'], bob: ['demo/sre'] }, codeowners: { users: [], teams: [] } }, matchPath,
  });
  return evaluationRecord({
    verdict, change, policies, knownServices: new Set(report.proposals.map((p) => p.service)).size, headSha: DEMO_HEAD, baseSha: DEMO_BASE,
    configFile: '.slo-scout.yml', policyHash: 'd3m0'.repeat(16), evaluatedAt: new Date((DEMO_END + 3_700) * 1000),
  });
}

export class DemoWebData implements WebData {
  readonly demo = true;
  #report: Promise<Report> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Analysed once on first use (about a second), then served from memory. */
  report(repo: string): Promise<Report | null> {
    if (repo.toLowerCase() !== DEMO_REPO) return Promise.resolve(null);
    this.#report ??= demoReport(this.logger);
    return this.#report;
  }

  async evaluation(repo: string, pr: number, headSha?: string): Promise<StoredEvaluation | null> {
    if (pr !== DEMO_PR || (headSha && headSha !== DEMO_HEAD)) return null;
    const report = await this.report(repo);
    return report ? demoEvaluation(report) : null;
  }

  async decisions(repo: string, pr: number): Promise<DecisionRow[]> {
    if (repo.toLowerCase() !== DEMO_REPO || pr !== DEMO_PR) return [];
    return DECISIONS.map((d) => ({ at: d.at, headSha: d.sha, channel: d.channel, identity: d.identity, decision: d.decision, reason: d.reason ?? null }));
  }

  async audit(repo: string, pr: number): Promise<AuditRow[]> {
    if (repo.toLowerCase() !== DEMO_REPO || pr !== DEMO_PR) return [];
    const evaluation = await this.evaluation(repo, pr);
    return [
      { at: iso(600), headSha: DEMO_OLD_HEAD, actor: 'slo-scout', channel: 'system', event: 'verdict', verdict: 'action_required', reasons: ['critical-slos: waiting for approval (0/2)'] },
      { at: iso(1_800), headSha: DEMO_OLD_HEAD, actor: 'slack:U024BE7LH', channel: 'slack', event: 'approve', verdict: null, reasons: [] },
      { at: iso(2_400), headSha: DEMO_HEAD, actor: 'slo-scout', channel: 'push', event: 'verdict', verdict: 'action_required', reasons: ['a push voided the approval given for 5eed123'] },
      { at: iso(2_410), headSha: DEMO_HEAD, actor: 'slo-scout', channel: 'pagerduty', event: 'escalate', verdict: null, reasons: ['tightens_critical_slo'] },
      { at: iso(3_000), headSha: DEMO_HEAD, actor: DEMO_AUTHOR, channel: 'comment', event: 'ignored', verdict: null, reasons: ['self-approval is not allowed by policy critical-slos'] },
      { at: iso(3_600), headSha: DEMO_HEAD, actor: 'alice', channel: 'comment', event: 'approve', verdict: null, reasons: ['checkout numbers match the incident review'] },
      { at: iso(3_700), headSha: DEMO_HEAD, actor: 'slo-scout', channel: 'system', event: 'verdict', verdict: evaluation?.conclusion ?? null, reasons: evaluation?.reasons ?? [] },
    ];
  }
}
