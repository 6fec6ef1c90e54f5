import type { PrometheusRuleOutput, RouteSet, Routing } from '../config/routing.js';
import type { Proposal } from '../core/report.js';
import { safeName } from './common.js';

/** What one SLO's exports carry for routing: labels (alerts, SLO objects) and annotations (alerts). */
export interface SloRouting {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Routing as the exporters take it: the config section, CODEOWNERS teams per service, PrometheusRule placement. */
export interface RoutingOptions {
  routing?: Routing;
  /** service -> owning team slug (from CODEOWNERS), used when no label sets the team. */
  teams?: Record<string, string>;
  prometheusRule?: PrometheusRuleOutput;
  grafanaUrl?: string;
}

export const EMPTY_ROUTING: SloRouting = { labels: {}, annotations: {} };

/** Grafana dashboard uids are at most 40 characters. */
export function dashboardUid(service: string): string {
  return `slo-scout-${safeName(service)}`.slice(0, 40).replace(/-+$/, '');
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => (name in values ? encodeURIComponent(values[name]!) : whole));
}

/**
 * Labels and annotations for one SLO: top level, then its service, then the SLO itself (the more
 * specific wins key by key); the team label from CODEOWNERS when none of them sets it; runbook and
 * dashboard URL templates filled in. Without a dashboard template, a Grafana URL links the
 * generated per-service dashboard.
 */
export function routingFor(proposal: Proposal, options: RoutingOptions): SloRouting {
  const r = options.routing;
  const layers: RouteSet[] = r ? [r, r.services[proposal.service] ?? {}, r.slos[proposal.sloId] ?? {}] : [];
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  let runbook: string | undefined;
  let dashboard: string | undefined;
  for (const layer of layers) {
    Object.assign(labels, layer.labels ?? {});
    Object.assign(annotations, layer.annotations ?? {});
    runbook = layer.runbook_url ?? runbook;
    dashboard = layer.dashboard_url ?? dashboard;
  }
  const teamLabel = r?.teamLabel ?? 'team';
  const team = options.teams?.[proposal.service];
  if (labels[teamLabel] === undefined && team && (r?.codeowners ?? true)) labels[teamLabel] = team;
  const values: Record<string, string> = {
    service: proposal.service,
    slo: proposal.sloId,
    sli: proposal.sli,
    endpoint: proposal.endpoint ?? '',
    team: labels[teamLabel] ?? '',
    dashboard_uid: dashboardUid(proposal.service),
  };
  if (runbook) annotations.runbook_url = fill(runbook, values);
  if (dashboard) annotations.dashboard_url = fill(dashboard, values);
  else if (options.grafanaUrl) annotations.dashboard_url = `${options.grafanaUrl.replace(/\/+$/, '')}/d/${dashboardUid(proposal.service)}`;
  return { labels, annotations };
}

/**
 * Team slugs per service from CODEOWNERS: the team owning `<outputPath>/slos/<service>/` (where the
 * files land), else the first team owning anything of that service. `ownersOf` is injected so this
 * module stays free of the policy code.
 */
export function teamsFromCodeowners(services: string[], owners: (path: string) => string[], outputPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  const root = outputPath.replace(/\/+$/, '');
  for (const service of services) {
    const teams = owners(`${root ? `${root}/` : ''}slos/${safeName(service)}/slo.yaml`);
    if (teams[0]) out[service] = teams[0].split('/').pop()!;
  }
  return out;
}
