import { api, pageUrl } from '../api';
import { SliHistoryChart } from '../charts';
import { day, objective, pct } from '../format';
import { Layout, LoadState, Pill, Section, useLoad } from '../ui';
import { formatBreachInterval, formatRate, windowUnit } from '../../../app/core/breach-format';
import type { SloDetail } from '../../../app/web/schema';

const COMPONENT_LABELS: Record<string, string> = {
  trafficVolume: 'Traffic volume', dataCoverage: 'Data coverage', stability: 'Stability', intervalWidth: 'Interval width',
};

/** Only http(s) links are rendered as links: a report is data, and javascript: URLs in it must not run. */
const safeHref = (url: string | undefined) => (url && /^https?:\/\//i.test(url) ? url : undefined);

export function SloPage({ repo, sloId }: { repo: string; sloId: string }) {
  const value = useLoad(() => api.slo(repo, sloId), `${repo}/${sloId}`);
  if (value.state !== 'ok') return <LoadState value={value} repo={repo} title={sloId} />;
  return <Slo d={value.data} />;
}

function Slo({ d }: { d: SloDetail }) {
  const breaches = d.history.filter((h) => {
    const v = d.variants.find((x) => x.type === d.selectedVariant);
    const s = h.sli[d.selectedVariant];
    return v && s !== null && s !== undefined && s < v.target / 100;
  });
  return (
    <Layout repo={d.repo} title={`${d.service} · ${d.sloId}`} demo={d.demo}>
      <p className="mb-4 text-sm text-slate-700">
        {d.sli} SLI{d.endpoint ? ` of ${d.endpoint}` : ''}; selected variant <strong>{d.selectedVariant}</strong>; confidence {pct(d.confidence, 0)}.
        {d.simulation && <> <a className="ml-2 text-blue-700 underline" href={pageUrl(d.repo, `/what-if/${encodeURIComponent(d.sloId)}`)}>What if…</a></>}
      </p>
      {d.warnings.length > 0 && (
        <ul className="mb-4 space-y-1" aria-label="Warnings">{d.warnings.map((w) => <li key={w}><Pill tone="warn">warning</Pill> {w}</li>)}</ul>
      )}
      <Section title="SLI history and the three variants">
        <SliHistoryChart history={d.history} variants={d.variants} selected={d.selectedVariant} />
      </Section>
      <Section title="Variants">
        <table className="w-full text-left text-sm">
          <thead><tr className="bg-slate-100">{['Variant', 'Objective', 'Expected breach rate', 'Windows breached next period', 'Met in history', 'Budget per period'].map((h) => <th key={h} scope="col" className="px-3 py-2">{h}</th>)}</tr></thead>
          <tbody>
            {d.variants.map((v) => (
              <tr key={v.type} className="border-t border-slate-200">
                <th scope="row" className="px-3 py-2 font-medium">{v.type}{v.type === d.selectedVariant && <> <Pill tone="info">selected</Pill></>}</th>
                <td className="px-3 py-2">{objective(v.target, v.thresholdSeconds)}</td>
                <td className="px-3 py-2 tabular-nums">{formatRate(v.expectedBreachRate)}</td>
                <td className="px-3 py-2 tabular-nums">{formatBreachInterval(v.breachRateInterval, d.windowsPerPeriod ?? null, windowUnit(d.breachWindow))}</td>
                <td className="px-3 py-2 tabular-nums">{pct(v.historicalCompliance)}</td>
                <td className="px-3 py-2 tabular-nums">{Math.round(v.errorBudget.minutesPerPeriod)} min</td>
              </tr>
            ))}
          </tbody>
        </table>
        {d.breachRateMethod && <p className="mt-2 text-xs text-slate-600">Interval: {d.breachRateMethod}.</p>}
      </Section>
      <Section title={`Breach windows (${breaches.length})`}>
        {breaches.length === 0 ? <p>No {d.breachWindow} window fell below the {d.selectedVariant} target.</p> : (
          <ul className="list-disc pl-6 text-sm" data-testid="breach-list">
            {breaches.map((h) => <li key={h.start}>{day(h.start)} → {day(h.end)}: SLI {pct(h.sli[d.selectedVariant] ?? 0, 3)} over {h.total.toLocaleString('en')} requests</li>)}
          </ul>
        )}
      </Section>
      <Section title="Evidence">
        <ul className="space-y-2 text-sm">
          {d.evidence.map((e, i) => {
            const href = safeHref(e.url);
            return (
              <li key={i}>
                <Pill tone="info">{e.kind}</Pill>{' '}
                {href ? <a className="text-blue-700 underline" href={href} rel="noreferrer noopener" target="_blank">{e.description}</a> : e.description}
                {e.traceId && <code className="ml-2 text-xs">trace {e.traceId}</code>}
                {e.start && <span className="ml-2 text-xs text-slate-600">{e.start.slice(0, 16).replace('T', ' ')}{e.end ? ` → ${e.end.slice(0, 16).replace('T', ' ')}` : ''}</span>}
              </li>
            );
          })}
        </ul>
      </Section>
      <Section title="Confidence components">
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
          {Object.entries(d.confidenceComponents).map(([k, v]) => (
            <div key={k}>
              <dt className="text-sm text-slate-700">{COMPONENT_LABELS[k] ?? k}</dt>
              <dd className="text-lg font-semibold tabular-nums">{pct(v, 0)}</dd>
              <div className="mt-1 h-2 rounded bg-slate-200" aria-hidden="true"><div className="h-2 rounded bg-blue-700" ref={(el) => { if (el) el.style.width = `${Math.round(Math.max(0, Math.min(1, v)) * 100)}%`; }} /></div>
            </div>
          ))}
        </dl>
      </Section>
      <Section title="Generated files">
        {d.files.map((f) => (
          <details key={f.path} className="mb-2">
            <summary className="cursor-pointer font-mono text-sm">{f.path}</summary>
            <pre className="mt-2 max-h-96 overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100"><code>{f.content}</code></pre>
          </details>
        ))}
      </Section>
    </Layout>
  );
}
