import { traceqlFor } from '../../core/evidence/index.js';
import type { Evidence, Proposal } from '../../core/report.js';
import type { Logger } from '../../logger.js';
import { silentLogger } from '../../logger.js';
import type { TempoClient } from './client.js';

export interface TempoEnrichOptions {
  /** Traces kept per proposal. */
  tracesPerProposal?: number;
  /** Searches in flight at once. */
  concurrency?: number;
  logger?: Logger;
}

/**
 * Adds real trace ids to each proposal: a TraceQL search for the slow (latency) or failing
 * (availability) spans of the endpoint in the selected variant's worst evaluation window.
 * A failing Tempo never fails the analysis: the proposal gets a warning instead.
 */
export async function addTempoEvidence(proposals: Proposal[], tempo: TempoClient, options: TempoEnrichOptions = {}): Promise<{ searches: number; traces: number }> {
  const logger = options.logger ?? silentLogger;
  const keep = options.tracesPerProposal ?? 3;
  let searches = 0;
  let traces = 0;
  const jobs = proposals.map((p) => async () => {
    const variant = p.variants.find((v) => v.type === p.selectedVariant) ?? p.variants[0];
    const worst = p.evidence
      .filter((e) => e.kind === 'worst-window' && e.start && e.end && (!e.variants || e.variants.includes(p.selectedVariant)))
      .sort((a, b) => (a.value ?? 1) - (b.value ?? 1))[0];
    if (!variant || !worst?.start || !worst.end) return;
    const threshold = p.sli === 'latency' ? variant.thresholdSeconds : null;
    const q = traceqlFor(p.service, p.endpoint, threshold);
    const start = Date.parse(worst.start) / 1000;
    const end = Date.parse(worst.end) / 1000;
    try {
      searches++;
      const hits = await tempo.search(q, start, end, keep * 2);
      const chosen = hits.sort((a, b) => (b.slowestSpanSeconds ?? b.durationSeconds) - (a.slowestSpanSeconds ?? a.durationSeconds)).slice(0, keep);
      traces += chosen.length;
      const found: Evidence[] = chosen.map((h) => ({
        kind: 'trace-search',
        description: `trace ${h.traceId} found by Tempo search ${q} in the worst window${h.rootTraceName ? ` (${h.rootServiceName ?? ''} ${h.rootTraceName})` : ''}: ${Math.round((h.slowestSpanSeconds ?? h.durationSeconds) * 1000)} ms`,
        traceId: h.traceId,
        url: tempo.traceUrl(h.traceId),
        start: new Date(h.start * 1000).toISOString(),
        value: h.slowestSpanSeconds ?? h.durationSeconds,
        variants: [p.selectedVariant],
      }));
      if (found.length === 0) {
        found.push({ kind: 'trace-search', description: `Tempo search ${q} found no traces in the worst window ${worst.start} to ${worst.end} (sampling may have dropped them)`, start: worst.start, end: worst.end, variants: [p.selectedVariant] });
      }
      p.evidence.push(...found);
    } catch (err) {
      logger.warn({ sloId: p.sloId, err: (err as Error).message }, 'tempo search failed');
      p.warnings.push(`Tempo evidence unavailable: ${(err as Error).message}`);
    }
  });
  await runLimited(jobs, options.concurrency ?? 4);
  return { searches, traces };
}

async function runLimited(jobs: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
