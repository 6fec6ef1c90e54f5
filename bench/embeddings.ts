/**
 * Embedding throughput (issue 15 §1): texts/s of each provider on the same texts (the shipped
 * criticality catalog and the labelled routes, repeated), median of `rounds`, with the ratio to the
 * builtin provider of the same run. The local figure uses the test fixture model unless
 * SLO_SCOUT_MODEL_DIR / SLO_SCOUT_MODEL point at a real one (all-MiniLM-L6-v2 is ~30x the fixture's work).
 *
 *   npx tsx bench/embeddings.ts [rounds=5] [texts=2000]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExemplars } from '../app/ai/catalog.js';
import { endpointText } from '../app/core/criticality/index.js';
import { benchEmbedders, referenceCorpus } from './ai-providers.js';
import { median } from './lib.js';

const rounds = Number(process.argv[2] ?? 5);
const n = Number(process.argv[3] ?? 2000);
const file = join(import.meta.dirname, '..', 'test', 'fixtures', 'criticality', 'routes.yaml');
const pool = [...referenceCorpus(), ...parseExemplars(readFileSync(file, 'utf8'), file).map((e) => endpointText(e))];
const texts = Array.from({ length: n }, (_, i) => pool[i % pool.length]!);

let builtinRate = 0;
for (const { name, embedder, note } of await benchEmbedders()) {
  const rates: number[] = [];
  await embedder.embed(texts.slice(0, 50)); // warm-up (JIT, ONNX session)
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await embedder.embed(texts);
    rates.push(texts.length / ((performance.now() - t0) / 1000));
  }
  const rate = median(rates);
  if (name === 'builtin') builtinRate = rate;
  console.log(`${name.padEnd(16)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} texts/s (median of ${rounds} x ${n}, ${embedder.dimensions} dims; ${(rate / builtinRate).toFixed(3)}x builtin)  ${note}`);
  await embedder.close?.();
}
