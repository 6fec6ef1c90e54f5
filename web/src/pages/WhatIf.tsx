import { useEffect, useRef, useState } from 'react';
import { api, pageUrl } from '../api';
import { WhatIfChart } from '../charts';
import { pct } from '../format';
import { Layout, LoadState, Message, Pill, Section, useLoad } from '../ui';
import type { SloDetail, WhatIfRequest, WhatIfResponse } from '../../../app/web/schema';

export function WhatIfPage({ repo, sloId }: { repo: string; sloId: string }) {
  const value = useLoad(() => api.slo(repo, sloId), `${repo}/${sloId}`);
  if (value.state !== 'ok') return <LoadState value={value} repo={repo} title={`What if: ${sloId}`} />;
  return <WhatIf d={value.data} />;
}

const days = (d: number | null) => (d === null ? 'never' : d >= 1000 ? '> 1000 days' : `${d.toFixed(1)} days`);

function WhatIf({ d }: { d: SloDetail }) {
  const observed = d.simulation?.replicas ?? null;
  const [replicas, setReplicas] = useState<number | null>(observed);
  const [traffic, setTraffic] = useState(1);
  const [canary, setCanary] = useState(0);
  const [version, setVersion] = useState('');
  const [result, setResult] = useState<WhatIfResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [roundTrip, setRoundTrip] = useState<number | null>(null);
  const inflight = useRef<AbortController | null>(null);

  useEffect(() => {
    if (!d.simulation) return;
    const request: WhatIfRequest = { sloId: d.sloId, trafficMultiplier: traffic };
    if (replicas !== null && replicas !== observed) request.replicas = replicas;
    if (canary > 0) request.canaryPercentage = canary;
    if (version) request.version = version;
    // Only the newest slider position matters: cancel the request still in flight.
    inflight.current?.abort();
    const controller = new AbortController();
    inflight.current = controller;
    const started = performance.now();
    api.whatIf(d.repo, request, controller.signal).then(
      (r) => {
        setResult(r);
        setError(null);
        setRoundTrip(performance.now() - started);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => controller.abort();
  }, [d, replicas, traffic, canary, version, observed]);

  const selected = result?.variants.find((v) => v.type === d.selectedVariant);
  return (
    <Layout repo={d.repo} title={`What if: ${d.service} · ${d.sloId}`} demo={d.demo}>
      <p className="mb-4 text-sm"><a className="text-blue-700 underline" href={pageUrl(d.repo, `/slo/${encodeURIComponent(d.sloId)}`)}>Back to the SLO</a></p>
      {!d.simulation ? <Message title="No simulation data" text="This SLO was analysed without hourly history, so the simulator has nothing to run on." /> : (
        <>
          <Section title="Scenario">
            <div className="grid gap-6 sm:grid-cols-2">
              {observed !== null ? (
                <Slider id="replicas" label={`Replicas: ${replicas ?? observed}${replicas === observed ? ' (as observed)' : ''}`} min={1} max={Math.max(10, observed * 3)} step={1} value={replicas ?? observed} onChange={setReplicas} />
              ) : <p className="text-sm text-slate-700">Replica counts were not in the telemetry, so the replicas slider is off.</p>}
              <Slider id="traffic" label={`Traffic multiplier: ×${traffic.toFixed(2)}`} min={0.25} max={5} step={0.05} value={traffic} onChange={setTraffic} />
              <Slider id="canary" label={`Canary: ${canary}% of traffic`} min={0} max={100} step={5} value={canary} onChange={setCanary} disabled={d.simulation.versions.length < 2 && !version} />
              <label className="flex flex-col text-sm">
                <span className="font-medium">Version</span>
                <select className="mt-1 rounded border border-slate-400 px-2 py-1" value={version} onChange={(e) => setVersion(e.target.value)} data-testid="version">
                  <option value="">as observed{d.simulation.versions.length ? ' / newest for a canary' : ''}</option>
                  {d.simulation.versions.map((v) => <option key={v} value={v}>{v}</option>)}
                </select>
              </label>
            </div>
          </Section>
          {error && <Message title="The simulator refused this scenario" text={error} />}
          {result && (
            <>
              <Section title="Projected breach rate">
                <p className="mb-2 text-lg" aria-live="polite">
                  {d.selectedVariant}: <strong data-testid="projected">{pct(selected?.projectedBreachRate ?? 0)}</strong> of {d.breachWindow} windows breach
                  {selected && <> ({pct(selected.confidenceInterval[0])} – {pct(selected.confidenceInterval[1])}), was {pct(selected.baselineBreachRate)}</>}
                </p>
                <p className="mb-4 text-xs text-slate-600" data-testid="roundtrip">
                  {result.scenario} · peak utilisation {result.utilisation.baselinePeak.toFixed(2)} → {result.utilisation.projectedPeak.toFixed(2)} · simulated in {result.elapsedMs.toFixed(0)} ms, redrawn {roundTrip === null ? '' : `${roundTrip.toFixed(0)} ms`} after the change
                </p>
                <WhatIfChart variants={result.variants} />
                {result.warnings.map((w) => <p key={w} className="mt-2 text-sm"><Pill tone="warn">warning</Pill> {w}</p>)}
              </Section>
              <Section title="Error-budget impact">
                <table className="w-full text-left text-sm">
                  <thead><tr className="bg-slate-100">{['Variant', 'Target', 'Budget used per period (now → scenario)', 'Budget gone in'].map((h) => <th key={h} scope="col" className="px-3 py-2">{h}</th>)}</tr></thead>
                  <tbody>
                    {result.variants.map((v) => (
                      <tr key={v.type} className="border-t border-slate-200">
                        <th scope="row" className="px-3 py-2 font-medium">{v.type}</th>
                        <td className="px-3 py-2">{v.target}%</td>
                        <td className="px-3 py-2 tabular-nums" data-testid={`budget-${v.type}`}>{pct(v.baselineBudgetConsumedShare)} → {pct(v.budgetConsumedShare)}</td>
                        <td className="px-3 py-2">{days(v.daysToExhaustion)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Section>
            </>
          )}
        </>
      )}
    </Layout>
  );
}

function Slider(p: { id: string; label: string; min: number; max: number; step: number; value: number; onChange(v: number): void; disabled?: boolean }) {
  return (
    <label className="flex flex-col text-sm" htmlFor={`slider-${p.id}`}>
      <span className="font-medium">{p.label}</span>
      <input id={`slider-${p.id}`} data-testid={`slider-${p.id}`} type="range" min={p.min} max={p.max} step={p.step} value={p.value} disabled={p.disabled}
        onChange={(e) => p.onChange(Number(e.target.value))} className="mt-2 accent-blue-700" />
    </label>
  );
}
