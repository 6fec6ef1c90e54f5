import { useMemo, useState } from 'react';
import { api, pageUrl } from '../api';
import { objective, pct } from '../format';
import { Layout, LoadState, Pill, useLoad } from '../ui';
import { formatBreachInterval, formatRate, windowUnit } from '../../../app/core/breach-format';
import type { Overview, OverviewRow } from '../../../app/web/schema';

type SortKey = 'service' | 'sloId' | 'sli' | 'selectedVariant' | 'expectedBreachRate' | 'budgetBurn' | 'confidence' | 'warnings';

const COLUMNS: Array<{ key: SortKey; label: string; numeric?: boolean }> = [
  { key: 'service', label: 'Service' },
  { key: 'sloId', label: 'SLO' },
  { key: 'sli', label: 'SLI' },
  { key: 'selectedVariant', label: 'Selected variant' },
  { key: 'expectedBreachRate', label: 'Expected breach rate', numeric: true },
  { key: 'budgetBurn', label: 'Budget burn (history)', numeric: true },
  { key: 'confidence', label: 'Confidence', numeric: true },
  { key: 'warnings', label: 'Warnings', numeric: true },
];

function sortValue(row: OverviewRow, key: SortKey): string | number {
  if (key === 'warnings') return row.warnings.length;
  if (key === 'budgetBurn') return row.budgetBurn ?? -1;
  return row[key];
}

export function OverviewPage({ repo }: { repo: string }) {
  const value = useLoad(() => api.overview(repo), repo);
  if (value.state !== 'ok') return <LoadState value={value} repo={repo} title={`SLOs of ${repo}`} />;
  return <OverviewTable data={value.data} />;
}

function OverviewTable({ data }: { data: Overview }) {
  const [filter, setFilter] = useState('');
  const [sli, setSli] = useState<'all' | 'latency' | 'availability'>('all');
  const [onlyWarnings, setOnlyWarnings] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'service', dir: 1 });

  const rows = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return data.slos
      .filter((r) => sli === 'all' || r.sli === sli)
      .filter((r) => !onlyWarnings || r.warnings.length > 0)
      .filter((r) => !needle || `${r.service} ${r.sloId} ${r.endpoint ?? ''}`.toLowerCase().includes(needle))
      .sort((a, b) => {
        const x = sortValue(a, sort.key);
        const y = sortValue(b, sort.key);
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sort.dir;
      });
  }, [data, filter, sli, onlyWarnings, sort]);

  return (
    <Layout repo={data.repo} title={`SLOs of ${data.repo}`} demo={data.demo}>
      <p className="mb-4 text-sm text-slate-700">
        Latest analysis: {data.slos.length} SLOs, {data.window} of history as of {data.end.slice(0, 16).replace('T', ' ')} UTC, evaluation window {data.breachWindow}.
      </p>
      <form className="mb-4 flex flex-wrap items-end gap-4" onSubmit={(e) => e.preventDefault()} role="search" aria-label="Filter SLOs">
        <label className="flex flex-col text-sm">
          <span className="font-medium">Filter by service, SLO or endpoint</span>
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} className="mt-1 w-72 rounded border border-slate-400 px-2 py-1" placeholder="e.g. checkout" data-testid="filter" />
        </label>
        <label className="flex flex-col text-sm">
          <span className="font-medium">SLI</span>
          <select value={sli} onChange={(e) => setSli(e.target.value as typeof sli)} className="mt-1 rounded border border-slate-400 px-2 py-1">
            <option value="all">all</option>
            <option value="latency">latency</option>
            <option value="availability">availability</option>
          </select>
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={onlyWarnings} onChange={(e) => setOnlyWarnings(e.target.checked)} />
          <span>only SLOs with warnings</span>
        </label>
        <p className="text-sm text-slate-700" aria-live="polite" data-testid="row-count">{rows.length} of {data.slos.length} shown</p>
      </form>
      <div className="overflow-x-auto rounded border border-slate-200 bg-white">
        <table className="w-full text-left text-sm" data-testid="overview-table">
          <caption className="sr-only">Every SLO of the latest report; column headers sort the table</caption>
          <thead className="bg-slate-100">
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} className={`px-3 py-2 ${c.numeric ? 'text-right' : ''}`}>
                  <button type="button" className="font-semibold hover:underline" onClick={() => setSort((s) => ({ key: c.key, dir: s.key === c.key ? (s.dir === 1 ? -1 : 1) : 1 }))}>
                    {c.label}{sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.service}/${r.sloId}`} className="border-t border-slate-200 align-top">
                <td className="px-3 py-2">{r.service}</td>
                <td className="px-3 py-2">
                  <a className="text-blue-700 underline" href={pageUrl(data.repo, `/slo/${encodeURIComponent(r.sloId)}`)}>{r.sloId}</a>
                  {r.endpoint && <div className="text-xs text-slate-600">{r.endpoint}</div>}
                </td>
                <td className="px-3 py-2">{r.sli}</td>
                <td className="px-3 py-2">{r.selectedVariant}<div className="text-xs text-slate-600">{objective(r.target, r.thresholdSeconds)}</div></td>
                <td className="px-3 py-2 text-right tabular-nums">{formatRate(r.expectedBreachRate)}<div className="text-xs text-slate-600">{formatBreachInterval(r.breachRateInterval, r.windowsPerPeriod ?? null, windowUnit(data.breachWindow))}</div></td>
                <td className="px-3 py-2 text-right tabular-nums">{r.budgetBurn === null ? '—' : <Pill tone={r.budgetBurn > 1 ? 'bad' : r.budgetBurn > 0.75 ? 'warn' : 'good'}>{pct(r.budgetBurn)}</Pill>}</td>
                <td className="px-3 py-2 text-right tabular-nums">{pct(r.confidence, 0)}</td>
                <td className="px-3 py-2 text-right">
                  {r.warnings.length === 0 ? '—' : (
                    <details>
                      <summary className="cursor-pointer"><Pill tone="warn">{r.warnings.length}</Pill></summary>
                      <ul className="mt-1 list-disc pl-4 text-left text-xs">{r.warnings.map((w) => <li key={w}>{w}</li>)}</ul>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.skipped.length > 0 && (
        <details className="mt-4 text-sm">
          <summary className="cursor-pointer">{data.skipped.length} endpoints skipped</summary>
          <ul className="mt-2 list-disc pl-6">{data.skipped.map((s) => <li key={`${s.service}${s.endpoint}`}>{s.service} {s.endpoint ?? ''}: {s.reason}</li>)}</ul>
        </details>
      )}
    </Layout>
  );
}
