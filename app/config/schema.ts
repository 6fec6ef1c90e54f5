import { z } from 'zod';
import { Analysis, Datasources, Filter, Metrics, Output } from './analysis.js';
import { AiSettings } from './ai.js';
import { PullRequests, Schedule } from './app.js';
import { Policies, POLICY_GUARD_DEFAULTS, PolicyGuardSettings } from './policies.js';
import { Routing, ROUTING_DEFAULTS } from './routing.js';
import { Simulation } from './simulation.js';
import { formatConfigError, parseYamlWith, readYamlWith, type ConfigError, type ParseResult } from './loader.js';
import { trustCheck, type ConfigTrust } from './trust.js';

export { formatConfigError, type ConfigError, type ParseResult };

/**
 * `.slo-scout.yml` — the root schema. Each area owns its section in app/config/<area>.ts and adds
 * ONE line below (keep them sorted by area, one import per area). Unknown keys are errors so typos
 * surface as `file:line:col` instead of being ignored.
 */
export const SloScoutConfig = z.object({
  version: z.literal(1).default(1).describe('Config format version'),
  datasources: Datasources.default({}),
  metrics: Metrics.default(Metrics.parse({})),
  services: Filter.default({}),
  /** Route globs; when `exclude` is absent the default health-check pattern applies, when present (even []) it replaces it. */
  routes: Filter.default({}),
  analysis: Analysis.default(Analysis.parse({})),
  output: Output.default(Output.parse({})),
  // --- sections owned by other areas: one line each ---
  schedule: Schedule.default(Schedule.parse({})), pullRequests: PullRequests.default(PullRequests.parse({})), // GitHub App (app/config/app.ts)
  policies: Policies.default([]), policy_guard: PolicyGuardSettings.default(POLICY_GUARD_DEFAULTS), // Policy Guard (app/config/policies.ts)
  routing: Routing.default(ROUTING_DEFAULTS), // alert routing labels and links on every export (app/config/routing.ts)
  ai: AiSettings.default(AiSettings.parse({})), // embeddings, criticality, borrowed priors (app/config/ai.ts)
  simulation: Simulation.default({ capacityPerReplica: {} }), // measured capacity for what-ifs (app/config/simulation.ts)
}).strict();
export type SloScoutConfig = z.infer<typeof SloScoutConfig>;

/** Names accepted for the config file (validate recognises these by name). */
export const CONFIG_FILE_NAMES = ['.slo-scout.yml', '.slo-scout.yaml', 'slo-scout.yml', 'slo-scout.yaml'];

/**
 * Parses `.slo-scout.yml` text. Used by the CLI and by the GitHub app's config check run;
 * errors carry file, line, col, the field path and a message that says how to fix it.
 */
export function parseConfig(text: string, fileName = '.slo-scout.yml', options: ConfigTrust = {}): ParseResult<SloScoutConfig> {
  return parseYamlWith(SloScoutConfig, text, fileName, trustCheck(SloScoutConfig, options));
}

export class ConfigFileError extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map(formatConfigError).join('\n'));
  }
}

/** Reads and parses a config file; throws ConfigFileError listing every problem. */
export async function loadConfigFile(path: string, options: ConfigTrust = {}): Promise<SloScoutConfig> {
  const result = await readYamlWith(SloScoutConfig, path, trustCheck(SloScoutConfig, options));
  if (!result.ok) throw new ConfigFileError(result.errors);
  return result.config;
}
