import type { SloScoutConfig } from '../config/schema.js';
import type { Report } from '../core/report.js';
import { ownersOf, parseCodeowners, type CodeownersPlatform } from '../policy/codeowners.js';
import { teamsFromCodeowners, type RoutingOptions } from './routing.js';

/**
 * The routing part of the export options from `.slo-scout.yml` and, when given, the repository's
 * CODEOWNERS text (the team owning each service's SLO folder becomes its team label).
 */
/** `platform` picks the CODEOWNERS dialect: GitLab's has sections (app/policy/codeowners.ts). */
export function routingOptionsFromConfig(config: SloScoutConfig, report: Report, codeowners?: string, platform: CodeownersPlatform = 'github'): Omit<RoutingOptions, 'grafanaUrl'> {
  const services = [...new Set(report.proposals.map((p) => p.service))];
  const rules = codeowners && config.routing.codeowners ? parseCodeowners(codeowners, platform) : null;
  const teams = rules ? teamsFromCodeowners(services, (path) => ownersOf(rules, [path]).teams, config.output.path) : {};
  return { routing: config.routing, prometheusRule: config.output.prometheusRule, ...(Object.keys(teams).length ? { teams } : {}) };
}
