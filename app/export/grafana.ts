import type { Proposal, VariantType } from '../core/report.js';
import { formatDuration } from '../core/time.js';
import { burnWindows } from './burnrate.js';
import { selectedType, tidy, variantOf } from './common.js';
import { BUDGET_REMAINING, ERROR_BUDGET, ERROR_RATIO, OBJECTIVE, dashboardUid } from './prometheus-rules.js';

/** The data source is a template variable so one dashboard works against any Prometheus-compatible engine. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** Grafana 10.4 / 11.x schema; newer Grafana migrates older schemas forward on load. */
const SCHEMA_VERSION = 39;
const BURN_WINDOWS = ['5m', '1h', '6h', '1d', '3d'];

interface Target { refId: string; expr: string; legendFormat: string }

function target(refId: string, expr: string, legendFormat: string): Target & { datasource: typeof DATASOURCE; range: true } {
  return { datasource: DATASOURCE, refId, expr, legendFormat, range: true };
}

function sel(proposal: Proposal): string {
  return `{slo_id=${JSON.stringify(proposal.sloId)}}`;
}

function panelsFor(proposal: Proposal, type: VariantType, periodSeconds: number, y: number, nextId: () => number): object[] {
  const variant = variantOf(proposal, type);
  const objective = tidy(variant.target / 100);
  const period = formatDuration(periodSeconds);
  const s = sel(proposal);
  const page = burnWindows(periodSeconds).find((p) => p.severity === 'page')!;
  const title = `${proposal.endpoint ?? '(all endpoints)'} · ${proposal.sli} · ${variant.target}% (${type})`;
  return [
    { type: 'row', id: nextId(), title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] },
    {
      type: 'stat', id: nextId(), title: `SLI over ${period}`, datasource: DATASOURCE,
      description: `Objective ${variant.target}%: red below it.`,
      gridPos: { h: 8, w: 4, x: 0, y: y + 1 },
      targets: [target('A', `1 - ${ERROR_RATIO(period)}${s}`, 'SLI')],
      fieldConfig: {
        defaults: {
          unit: 'percentunit', decimals: 3,
          thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: objective }] },
        },
        overrides: [],
      },
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'auto' },
    },
    {
      type: 'stat', id: nextId(), title: 'Error budget remaining', datasource: DATASOURCE,
      description: `Share of the ${period} error budget left (1 - period burn rate); negative means overspent.`,
      gridPos: { h: 8, w: 4, x: 4, y: y + 1 },
      targets: [target('A', `${BUDGET_REMAINING}${s}`, 'remaining')],
      fieldConfig: {
        defaults: {
          unit: 'percentunit', decimals: 1,
          thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'orange', value: 0 }, { color: 'green', value: 0.25 }] },
        },
        overrides: [],
      },
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'area', textMode: 'auto' },
    },
    {
      type: 'timeseries', id: nextId(), title: 'SLI vs objective', datasource: DATASOURCE,
      gridPos: { h: 8, w: 8, x: 8, y: y + 1 },
      targets: [
        target('A', `1 - ${ERROR_RATIO('1h')}${s}`, 'SLI (1h)'),
        target('B', `1 - ${ERROR_RATIO('1d')}${s}`, 'SLI (1d)'),
        target('C', `${OBJECTIVE}${s}`, 'objective'),
      ],
      fieldConfig: {
        defaults: { unit: 'percentunit', decimals: 3, custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 0, spanNulls: false } },
        overrides: [{ matcher: { id: 'byName', options: 'objective' }, properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }, { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }] }],
      },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
    },
    {
      type: 'timeseries', id: nextId(), title: 'Burn rate', datasource: DATASOURCE,
      description: `Error ratio / error budget (1 = spending exactly the budget). The page threshold (${page.factor}x over ${page.long}) is the dashed line.`,
      gridPos: { h: 8, w: 8, x: 16, y: y + 1 },
      targets: BURN_WINDOWS.map((w, i) => target(String.fromCharCode(65 + i), `${ERROR_RATIO(w)}${s}\n/ on (slo_id, slo_service) group_left ${ERROR_BUDGET}${s}`, w)),
      fieldConfig: {
        defaults: {
          unit: 'x', decimals: 2,
          custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 0, thresholdsStyle: { mode: 'dashed' } },
          thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: page.factor }] },
        },
        overrides: [],
      },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
    },
  ];
}

/** One dashboard per service: a row per SLO with SLI vs objective, budget remaining and burn rates. */
export function renderGrafanaDashboard(service: string, proposals: Proposal[], options: { periodSeconds: number; variant?: Partial<Record<string, VariantType>> }): string {
  let id = 0;
  const nextId = () => ++id;
  const panels = proposals.flatMap((p, i) => panelsFor(p, selectedType(p, options.variant), options.periodSeconds, i * 9, nextId));
  const dashboard = {
    uid: dashboardUid(service),
    title: `SLOs · ${service}`,
    description: `SLOs proposed by slo-scout for ${service}; reads the slo:* recording rules from the generated rule files.`,
    tags: ['slo-scout', 'slo'],
    timezone: 'utc',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '1m',
    time: { from: 'now-7d', to: 'now' },
    annotations: { list: [] },
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', options: [] }],
    },
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
