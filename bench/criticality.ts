/**
 * Criticality accuracy (issue 15 §2): share of a labelled set of 209 routes
 * (test/fixtures/criticality/routes.yaml, none of them in the shipped catalog) whose nearest-exemplar
 * label matches, per embedding provider, next to two same-run baselines: always "standard" (the
 * majority class) and a keyword rule (pay|charge|login|... -> critical, report|admin|export|... -> low).
 *
 *   npx tsx bench/criticality.ts            (SLO_SCOUT_MODEL_DIR / SLO_SCOUT_MODEL / OPENAI_API_KEY add providers)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExemplars, shippedExemplars } from '../app/ai/catalog.js';
import { embedExemplars } from '../app/ai/criticality.js';
import { endpointText, nearestLabel } from '../app/core/criticality/index.js';
import { benchEmbedders } from './ai-providers.js';

const file = join(import.meta.dirname, '..', 'test', 'fixtures', 'criticality', 'routes.yaml');
const truth = parseExemplars(readFileSync(file, 'utf8'), file);
const labels = ['critical', 'standard', 'low'] as const;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function report(name: string, predicted: string[], note: string): number {
  const ok = predicted.filter((p, i) => p === truth[i]!.label).length / truth.length;
  const per = labels.map((l) => {
    const idx = truth.map((t, i) => (t.label === l ? i : -1)).filter((i) => i >= 0);
    return `${l} ${pct(idx.filter((i) => predicted[i] === l).length / idx.length)}`;
  });
  console.log(`${name.padEnd(22)} accuracy ${pct(ok)} (recall: ${per.join(', ')})  ${note}`);
  return ok;
}

const keyword = (text: string) =>
  /pay|charge|refund|checkout|order|login|signin|signup|auth|token|password|transfer|wallet|ledger|card|payout|withdraw/i.test(text) ? 'critical'
    : /report|admin|export|analytics|debug|internal|docs|swagger|sitemap|audit|newsletter|archive|cron|job|batch/i.test(text) ? 'low' : 'standard';

console.log(`${truth.length} labelled routes (${labels.map((l) => `${truth.filter((t) => t.label === l).length} ${l}`).join(', ')}); ${shippedExemplars().length} shipped exemplars`);
const base = report('baseline: all standard', truth.map(() => 'standard'), 'majority class');
report('baseline: keywords', truth.map((t) => keyword(`${t.service} ${t.route}`)), 'hand-written regex');
for (const { name, embedder, note } of await benchEmbedders()) {
  const t0 = performance.now();
  const exemplars = await embedExemplars(embedder, shippedExemplars());
  const vectors = await embedder.embed(truth.map((t) => endpointText(t)));
  const predicted = vectors.map((v) => nearestLabel(v, exemplars).label);
  const acc = report(name, predicted, `${note}; ${((performance.now() - t0) / 1000).toFixed(2)} s; x${(acc0(predicted) / base).toFixed(2)} of the majority baseline`);
  void acc;
  await embedder.close?.();
}

function acc0(predicted: string[]): number {
  return predicted.filter((p, i) => p === truth[i]!.label).length / truth.length;
}
