// Hand-drawn SVG charts. Two small charts do not justify a charting library (recharts/visx add
// 100+ KB and inline styles the CSP would have to allow); plain SVG keeps the bundle small, the
// markup testable (data-series on every series) and accessible (role="img" + a text summary).
import type { HistoryPoint, Variant } from '../../app/core/report';
import type { WhatIfVariant } from '../../app/web/schema';
import { day, pct, VARIANT_COLOURS } from './format';

const W = 800;
const H = 280;
const M = { top: 12, right: 16, bottom: 32, left: 64 };
const iw = W - M.left - M.right;
const ih = H - M.top - M.bottom;

function ticks(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

export function SliHistoryChart({ history, variants, selected }: { history: HistoryPoint[]; variants: Variant[]; selected: string }) {
  const points = history.filter((h) => h.total > 0);
  if (points.length === 0) return <p>No history in this report.</p>;
  const values = points.flatMap((h) => Object.values(h.sli).filter((v): v is number => v !== null));
  const targets = variants.map((v) => v.target / 100);
  const lo = Math.max(0, Math.min(...values, ...targets) - 0.002);
  const hi = Math.min(1, Math.max(...values, ...targets) + 0.001);
  const x = (i: number) => M.left + (points.length === 1 ? iw / 2 : (iw * i) / (points.length - 1));
  const y = (v: number) => M.top + ih - (ih * (v - lo)) / (hi - lo || 1);
  const step = points.length > 1 ? iw / (points.length - 1) : iw;
  const sel = variants.find((v) => v.type === selected);
  const breaches = sel ? points.map((h, i) => ({ h, i })).filter(({ h }) => { const s = h.sli[sel.type]; return s !== null && s !== undefined && s < sel.target / 100; }) : [];
  const summary = `SLI per ${points.length} evaluation windows from ${day(points[0]!.start)} to ${day(points[points.length - 1]!.start)} for ${variants.length} variants; ${breaches.length} windows breach the ${selected} target.`;
  const xTicks = [...new Set(ticks(0, points.length - 1, Math.min(6, points.length - 1)).map(Math.round))];

  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-label={summary} data-testid="sli-chart">
        {breaches.map(({ h, i }) => (
          <rect key={h.start} data-series="breach" x={x(i) - step / 2} y={M.top} width={step} height={ih} fill="#fecaca" opacity={0.6}><title>{`breach ${day(h.start)}`}</title></rect>
        ))}
        {ticks(lo, hi, 4).map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end" fontSize={11} fill="#334155">{pct(t, 2)}</text>
          </g>
        ))}
        {xTicks.map((i) => <text key={i} x={x(i)} y={H - 10} textAnchor="middle" fontSize={11} fill="#334155">{day(points[i]!.start).slice(5)}</text>)}
        {variants.map((v) => (
          <g key={v.type}>
            <line data-series={`target-${v.type}`} x1={M.left} x2={W - M.right} y1={y(v.target / 100)} y2={y(v.target / 100)} stroke={VARIANT_COLOURS[v.type]} strokeDasharray="6 4" strokeWidth={1.5} />
            <polyline
              data-series={`sli-${v.type}`}
              fill="none"
              stroke={VARIANT_COLOURS[v.type]}
              strokeWidth={v.type === selected ? 2.5 : 1.5}
              points={points.map((h, i) => (h.sli[v.type] === null || h.sli[v.type] === undefined ? null : `${x(i).toFixed(1)},${y(h.sli[v.type]!).toFixed(1)}`)).filter(Boolean).join(' ')}
            />
          </g>
        ))}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-4 text-sm">
        {variants.map((v) => (
          <span key={v.type} className="flex items-center gap-2">
            <svg width="24" height="10" aria-hidden="true"><line x1="0" x2="24" y1="5" y2="5" stroke={VARIANT_COLOURS[v.type]} strokeWidth="3" /></svg>
            {v.type}: SLI at its threshold; dashed: target {v.target}%
          </span>
        ))}
        <span className="flex items-center gap-2"><svg width="14" height="10" aria-hidden="true"><rect width="14" height="10" fill="#fecaca" /></svg>window below the {selected} target</span>
      </figcaption>
    </figure>
  );
}

/** Baseline vs projected breach rate per variant, with the bootstrap interval as a whisker. */
export function WhatIfChart({ variants }: { variants: WhatIfVariant[] }) {
  // Breach rates are shares of windows: the axis never goes past 100%.
  const hi = Math.min(1, Math.max(0.05, ...variants.flatMap((v) => [v.baselineBreachRate, v.projectedBreachRate, v.confidenceInterval[1]])) * 1.1);
  const y = (v: number) => M.top + ih - (ih * v) / hi;
  const group = iw / Math.max(1, variants.length);
  const bar = group / 4;
  const summary = variants.map((v) => `${v.type}: baseline ${pct(v.baselineBreachRate)}, projected ${pct(v.projectedBreachRate)} (${pct(v.confidenceInterval[0])} to ${pct(v.confidenceInterval[1])})`).join('; ');
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-label={`Breach rate per evaluation window. ${summary}`} data-testid="whatif-chart">
        {ticks(0, hi, 4).map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end" fontSize={11} fill="#334155">{pct(t)}</text>
          </g>
        ))}
        {variants.map((v, i) => {
          const cx = M.left + group * i + group / 2;
          return (
            <g key={v.type}>
              <rect data-series={`baseline-${v.type}`} x={cx - bar - 2} y={y(v.baselineBreachRate)} width={bar} height={M.top + ih - y(v.baselineBreachRate)} fill="#cbd5e1" />
              <rect data-series={`projected-${v.type}`} data-value={v.projectedBreachRate} x={cx + 2} y={y(v.projectedBreachRate)} width={bar} height={M.top + ih - y(v.projectedBreachRate)} fill={VARIANT_COLOURS[v.type]} />
              <line data-series={`interval-${v.type}`} x1={cx + 2 + bar / 2} x2={cx + 2 + bar / 2} y1={y(v.confidenceInterval[0])} y2={y(v.confidenceInterval[1])} stroke="#0f172a" strokeWidth={2} />
              <text x={cx} y={H - 10} textAnchor="middle" fontSize={12} fill="#0f172a">{v.type}</text>
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-2 text-sm text-slate-700">Grey: breach rate as observed; coloured: projected under the scenario; black whisker: {Math.round((variants[0]?.confidenceLevel ?? 0.9) * 100)}% bootstrap interval.</figcaption>
    </figure>
  );
}
