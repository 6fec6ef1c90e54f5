import { useEffect, useState, type ReactNode } from 'react';
import { pageUrl } from './api';

export function Layout({ repo, title, demo, children }: { repo: string | null; title: string; demo?: boolean; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · SLO-Scout`;
  }, [title]);
  return (
    <>
      <header className="border-b border-slate-200 bg-white">
        <nav aria-label="Main" className="mx-auto flex max-w-6xl items-center gap-4 px-4 py-3 text-sm">
          <span className="font-bold">SLO-Scout</span>
          {repo && <a className="text-blue-700 underline-offset-2 hover:underline" href={pageUrl(repo)}>{repo}</a>}
          {demo && <span className="rounded bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">demo report</span>}
        </nav>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">
        <h1 className="mb-4 text-2xl font-bold break-words">{title}</h1>
        {children}
      </main>
    </>
  );
}

export function Message({ title, text }: { title: string; text: string }) {
  return (
    <div role="alert" className="rounded border border-red-300 bg-red-50 p-4 text-red-900">
      <p className="font-semibold">{title}</p>
      <p className="mt-1">{text}</p>
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mb-8 rounded border border-slate-200 bg-white p-4" aria-label={title}>
      <h2 className="mb-3 text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

type Loaded<T> = { state: 'loading' } | { state: 'error'; status: number; message: string } | { state: 'ok'; data: T };

/** Loads once per key; errors become a state the page shows, never an uncaught rejection. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    setValue({ state: 'loading' });
    load().then(
      (data) => live && setValue({ state: 'ok', data }),
      (err: unknown) => live && setValue({ state: 'error', status: (err as { status?: number }).status ?? 0, message: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return value;
}

export function LoadState({ value, repo, title }: { value: Loaded<unknown>; repo: string; title: string }) {
  if (value.state === 'loading') return <Layout repo={repo} title={title}><p aria-live="polite">Loading…</p></Layout>;
  if (value.state === 'error') {
    return (
      <Layout repo={repo} title={value.status === 403 ? 'Access refused' : title}>
        <Message title={value.status === 403 ? 'This link does not grant access' : `Could not load (${value.status || 'network'})`} text={value.message} />
      </Layout>
    );
  }
  return null;
}

export function Pill({ tone, children }: { tone: 'good' | 'warn' | 'bad' | 'info'; children: ReactNode }) {
  const cls = { good: 'bg-emerald-100 text-emerald-900', warn: 'bg-amber-100 text-amber-900', bad: 'bg-red-100 text-red-900', info: 'bg-slate-100 text-slate-800' }[tone];
  return <span className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${cls}`}>{children}</span>;
}
