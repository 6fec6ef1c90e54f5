/**
 * What the GitHub App's workers need, in one object. The analysis engine is an interface so the
 * workers hold no maths and tests can pass a small fake; app/cli/worker.ts wires the real one
 * (runAnalysis, the exporters, the simulator).
 */
import type { BaseDeps } from './deps.js';
import type { CommandRegistry } from './commands/registry.js';
import type { SloScoutConfig } from './config/schema.js';
import type { Simulation } from './config/simulation.js';
import type { Report, VariantType } from './core/report.js';
import type { Metrics } from './server/metrics.js';
import type { InboxStore } from './store/inbox.js';
import type { ReportStore } from './store/reports.js';
import type { FileChange, Platform, RepoRef } from './vcs/platform.js';
import type { Queues } from './queues.js';
import type { ConfigTrust } from './config/trust.js';
import type { CommandLimiter } from './commands/rate-limit.js';

export interface RenderedProposal {
  /** Group key: one PR per group (the service for per-service branches). */
  service: string;
  title: string;
  body: string;
  files: FileChange[];
}

/** Where the rendered files will be committed, so the PR body can link them. */
export interface RenderTarget {
  platform: 'github' | 'gitlab';
  repo: RepoRef;
  branchFor(service: string): string;
}

/** Thrown by the engine for input the user must fix (bad simulate parameter, unknown slo id). */
export class UserInputError extends Error {}

export interface Engine {
  analyze(input: { config: SloScoutConfig; services?: string[]; repo: RepoRef }): Promise<Report>;
  /**
   * Files and PR text per service, with the chosen variant per slo id ('*' = default for all). With
   * `target`, the body shows each committed chart from the PR branch `branchFor(service)`;
   * `codeowners` (the repository's CODEOWNERS text) gives the team routing label; `repo`
   * (owner/name on GitHub) adds a signed link to each SLO's details page when the pages are on.
   */
  render(report: Report, input: { config: SloScoutConfig; variants: Record<string, VariantType>; target?: RenderTarget; codeowners?: string; repo?: string }): RenderedProposal[];
  /**
   * Markdown table of the what-if simulation for `params` (replicas=5 traffic=1.2 canary=10 version=v1.4.2).
   * Without `capacity=`, a service's capacity comes from `config.simulation` (the repository's
   * `.slo-scout.yml` at `config.path`), else from history; the table says which.
   */
  simulate(report: Report, params: Record<string, string>, sloId?: string, config?: { simulation: Simulation; path: string }): string;
  /** Markdown: the evidence and computation behind each number of one SLO; null when unknown. */
  explain(report: Report, sloId: string): string | null;
}

export type PlatformFactory = (kind: 'github' | 'gitlab', installationId: number | undefined) => Promise<Platform>;

export interface WorkerDeps extends BaseDeps {
  inbox: InboxStore;
  reports: ReportStore;
  queues: Queues;
  metrics: Metrics;
  registry: CommandRegistry;
  engine: Engine;
  platformFor: PlatformFactory;
  /** The operator's policy for repository configs (env names, hosts); absent = the safe defaults. */
  configTrust?: ConfigTrust;
  /** Per-repository and per-user limits on slash-commands; absent = unlimited (tests). */
  commandLimiter?: CommandLimiter;
}
