/**
 * Where the details pages read from. `slo-scout serve` reads PostgreSQL (latest report, stored
 * Policy Guard evaluations, decisions, audit); `serve --demo` reads the synthetic fleet (demo.ts).
 */
import type { Report } from '../core/report.js';
import type { Pool } from '../store/db.js';
import { ReportStore } from '../store/reports.js';
import { EvaluationStore } from '../store/evaluations.js';
import { DecisionStore } from '../store/approvals.js';
import { AuditStore } from '../store/audit.js';
import type { AuditRow, DecisionRow, StoredEvaluation } from './schema.js';

export interface WebData {
  readonly demo: boolean;
  report(repo: string): Promise<Report | null>;
  /** Newest evaluation of the PR, of `headSha` when given. */
  evaluation(repo: string, pr: number, headSha?: string): Promise<StoredEvaluation | null>;
  decisions(repo: string, pr: number): Promise<DecisionRow[]>;
  audit(repo: string, pr: number): Promise<AuditRow[]>;
}

/** Rows a page shows at most: a PR with thousands of audit rows is an attack or a bug, not something to render. */
export const MAX_ROWS = 500;

export class DbWebData implements WebData {
  readonly demo = false;
  readonly #reports: ReportStore;
  readonly #evaluations: EvaluationStore;
  readonly #decisions: DecisionStore;
  readonly #audit: AuditStore;

  constructor(pool: Pool) {
    this.#reports = new ReportStore(pool);
    this.#evaluations = new EvaluationStore(pool);
    this.#decisions = new DecisionStore(pool);
    this.#audit = new AuditStore(pool);
  }

  report(repo: string): Promise<Report | null> {
    return this.#reports.latest('github', repo);
  }

  evaluation(repo: string, pr: number, headSha?: string): Promise<StoredEvaluation | null> {
    return this.#evaluations.latest(repo, pr, headSha);
  }

  async decisions(repo: string, pr: number): Promise<DecisionRow[]> {
    const rows = await this.#decisions.forPullRequest(repo, pr);
    return rows.slice(-MAX_ROWS).map((d) => ({ at: d.createdAt.toISOString(), headSha: d.headSha, channel: d.channel, identity: d.identity, decision: d.decision, reason: d.reason }));
  }

  async audit(repo: string, pr: number): Promise<AuditRow[]> {
    const rows = await this.#audit.list(repo, pr);
    return rows.slice(-MAX_ROWS).map((a) => ({ at: a.createdAt.toISOString(), headSha: a.headSha, actor: a.actor, channel: a.channel, event: a.event, verdict: a.verdict, reasons: a.reasons }));
  }
}
