import { api, pageUrl } from '../api';
import { usd } from '../format';
import { Layout, LoadState, Pill, Section, useLoad } from '../ui';
import type { EvaluationView } from '../../../app/web/schema';

const STATUS: Record<string, { text: string; tone: 'good' | 'warn' | 'bad' | 'info' }> = {
  not_applicable: { text: 'does not apply', tone: 'info' },
  passed: { text: 'inside policy', tone: 'good' },
  approved: { text: 'approved', tone: 'good' },
  pending: { text: 'waiting for approval', tone: 'warn' },
  failed: { text: 'blocked', tone: 'bad' },
};
const CONCLUSION = { success: { text: 'passed', tone: 'good' }, action_required: { text: 'needs approval', tone: 'warn' }, failure: { text: 'failed', tone: 'bad' } } as const;

const objectives = (o: Array<{ target: number; threshold: number | null }> | null) => (o ? o.map((x) => `${x.target}%${x.threshold !== null ? ` ≤ ${x.threshold}` : ''}`).join(', ') : '—');
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function EvaluationPage({ repo, pr, sha }: { repo: string; pr: number; sha?: string }) {
  const value = useLoad(() => api.evaluation(repo, pr, sha), `${repo}#${pr}@${sha ?? ''}`);
  if (value.state !== 'ok') return <LoadState value={value} repo={repo} title={`Policy Guard: ${repo}#${pr}`} />;
  return <Evaluation v={value.data} />;
}

function Evaluation({ v }: { v: EvaluationView }) {
  const e = v.evaluation;
  const c = CONCLUSION[e.conclusion];
  return (
    <Layout repo={v.repo} title={`Policy Guard: ${v.repo}#${v.pr}`} demo={v.demo}>
      <p className="mb-2 text-lg"><Pill tone={c.tone}>{c.text}</Pill> <span data-testid="verdict-title">{e.title}</span></p>
      <p className="mb-4 text-sm text-slate-700">
        Head <code>{v.headSha.slice(0, 7)}</code> against base <code>{e.baseSha.slice(0, 7)}</code>, evaluated {when(e.evaluatedAt)} UTC with the policy in <code>{e.configFile}</code> on the base branch (hash <code>{e.policyHash.slice(0, 12)}</code>).
        {v.latestHeadSha !== v.headSha && <> A newer head was evaluated since: <a className="text-blue-700 underline" href={pageUrl(v.repo, `/pull/${v.pr}/${v.latestHeadSha}`)}>{v.latestHeadSha.slice(0, 7)}</a>.</>}
      </p>
      <Section title="Limits against the change">
        {e.policies.map((p) => (
          <div key={p.policy_id} className="mb-4" data-testid={`policy-${p.policy_id}`}>
            <h3 className="font-semibold">{p.policy_id} <Pill tone={STATUS[p.status]!.tone}>{STATUS[p.status]!.text}</Pill></h3>
            {p.limits.length > 0 ? (
              <table className="mt-2 w-full text-left text-sm">
                <thead><tr className="bg-slate-100">{['Rule', 'Limit', 'This change', ''].map((h, i) => <th key={i} scope="col" className="px-3 py-1">{h || <span className="sr-only">Result</span>}</th>)}</tr></thead>
                <tbody>
                  {p.limits.map((l) => (
                    <tr key={l.rule} className="border-t border-slate-200">
                      <th scope="row" className="px-3 py-1 font-mono font-normal">{l.rule}</th>
                      <td className="px-3 py-1">{l.limit}</td>
                      <td className="px-3 py-1">{l.actual}</td>
                      <td className="px-3 py-1">{l.exceeded ? <Pill tone="bad">exceeded</Pill> : <Pill tone="good">within</Pill>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : <p className="text-sm text-slate-700">{p.status === 'not_applicable' ? p.reasons[0] : 'No max_* limits in this policy.'}</p>}
            {p.approvalNeeded && (
              <p className="mt-2 text-sm">
                Approvals {p.approvedBy.length}/{p.minApprovals}{p.approvedBy.length > 0 && <> by {p.approvedBy.map((l) => `@${l}`).join(', ')}</>}
                {p.rejectedBy.length > 0 && <>; rejected by {p.rejectedBy.map((l) => `@${l}`).join(', ')}</>}.
                {' '}May approve: {[...p.approvers.users.map((u) => `@${u}`), ...p.approvers.teams.map((t) => `team @${t}`), ...p.approvers.codeowners.map((o) => `code owner @${o}`)].join(', ') || 'nobody (add approvers to the policy)'}.
              </p>
            )}
            {p.ignored.length > 0 && (
              <ul className="mt-1 list-disc pl-6 text-sm text-slate-700">{p.ignored.map((i, k) => <li key={k}>ignored {i.decision} by <code>{i.identity}</code> via {i.channel}: {i.reason}</li>)}</ul>
            )}
          </div>
        ))}
      </Section>
      <Section title="Cost arithmetic (per month)">
        <table className="w-full text-left text-sm" data-testid="cost-table">
          <thead><tr className="bg-slate-100">{['Item', 'Arithmetic', 'USD'].map((h) => <th key={h} scope="col" className="px-3 py-1">{h}</th>)}</tr></thead>
          <tbody>
            {e.cost.lines.map((l) => <tr key={l.label} className="border-t border-slate-200"><th scope="row" className="px-3 py-1 font-normal">{l.label}</th><td className="px-3 py-1 font-mono">{l.arithmetic}</td><td className="px-3 py-1 text-right tabular-nums">{usd(l.usd)}</td></tr>)}
            <tr className="border-t-2 border-slate-300 font-semibold"><th scope="row" className="px-3 py-1">Total</th><td /><td className="px-3 py-1 text-right tabular-nums">{usd(e.cost.totalUsd)}</td></tr>
          </tbody>
        </table>
      </Section>
      <Section title={`SLOs changed (${e.change.slos.length})`}>
        <table className="w-full text-left text-sm">
          <thead><tr className="bg-slate-100">{['SLO', 'Change', 'Before', 'After'].map((h) => <th key={h} scope="col" className="px-3 py-1">{h}</th>)}</tr></thead>
          <tbody>
            {e.change.slos.map((s) => (
              <tr key={s.key} className="border-t border-slate-200">
                <th scope="row" className="px-3 py-1 font-normal">{s.key}{s.critical && <> <Pill tone="bad">critical</Pill></>}</th>
                <td className="px-3 py-1">{s.kind}</td><td className="px-3 py-1">{objectives(s.before)}</td><td className="px-3 py-1">{objectives(s.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title={`Decisions recorded (${v.decisions.length})`}>
        {v.decisions.length === 0 ? <p className="text-sm">Nobody has approved or rejected this pull request yet.</p> : (
          <ul className="list-disc pl-6 text-sm" data-testid="decisions">
            {v.decisions.map((d, i) => (
              <li key={i}>{when(d.at)} UTC: <strong>{d.decision}</strong> by <code>{d.identity}</code> via {d.channel} for <code>{d.headSha.slice(0, 7)}</code>{d.reason && <>: “{d.reason}”</>}</li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Audit trail">
        <table className="w-full text-left text-sm" data-testid="audit-table">
          <thead><tr className="bg-slate-100">{['When (UTC)', 'Head', 'Who', 'Channel', 'Event', 'Details'].map((h) => <th key={h} scope="col" className="px-3 py-1">{h}</th>)}</tr></thead>
          <tbody>
            {v.audit.map((a, i) => (
              <tr key={i} className="border-t border-slate-200 align-top">
                <td className="px-3 py-1 whitespace-nowrap">{when(a.at)}</td><td className="px-3 py-1"><code>{a.headSha.slice(0, 7)}</code></td>
                <td className="px-3 py-1">{a.actor}</td><td className="px-3 py-1">{a.channel}</td>
                <td className="px-3 py-1">{a.event}{a.verdict && <> ({a.verdict})</>}</td>
                <td className="px-3 py-1">{a.reasons.slice(0, 5).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </Layout>
  );
}
