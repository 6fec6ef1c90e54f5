/**
 * Capsule mining benchmark (issue 6): log lines/s through the Drain miner on the generated
 * HDFS-, Apache-, OpenSSH- and Zookeeper-like logs (test/fixtures/logs), next to a baseline of
 * masking + tokenising only (the part every parser pays), and the grouping accuracy against the
 * ground truth (Zhu et al. 2019 definition). Rates are per CPU-second of this process.
 *
 *   npx tsx bench/capsules.ts [rounds=5] [copies=10]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFormat, Drain, groupingAccuracy, maskLine, mergeTemplates, mineLines } from '../app/core/capsules/index.js';
import { fitIdf, hashedVector } from '../app/core/vectors/index.js';
import { median } from './lib.js';

const rounds = Number(process.argv[2] ?? 5);
const copies = Number(process.argv[3] ?? 10);
const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'logs');
const SYSTEMS = readdirSync(dir).filter((f) => f.endsWith('.format')).map((f) => f.replace(/\.format$/, '')).sort();
const merged: Record<'before' | 'drain' | 'structure' | 'embeddings', number[]> = { before: [], drain: [], structure: [], embeddings: [] };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const cpu = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

for (const system of SYSTEMS) {
  const read = (ext: string) => readFileSync(join(dir, `${system}.${ext}`), 'utf8').trimEnd().split('\n');
  const extract = compileFormat(read('format')[0]!);
  const content = read('log').map((l) => extract(l) ?? l);
  const truth = read('truth');
  const mined = mineLines(content);
  const accuracy = groupingAccuracy(mined.assignments, truth);
  // Issue 15: merge templates that mean the same event, on structure alone and with (builtin) embeddings.
  const byStructure = mergeTemplates(mined.capsules);
  const idf = fitIdf(mined.capsules.map((c) => c.template));
  const byEmbedding = mergeTemplates(mined.capsules.map((c) => ({ ...c, vector: hashedVector(c.template.replace(/<[^>]*>/g, ' '), idf) })));
  const accStructure = groupingAccuracy(mined.assignments.map((a) => byStructure.get(a)!), truth);
  const accEmbedding = groupingAccuracy(mined.assignments.map((a) => byEmbedding.get(a)!), truth);
  const before = groupingAccuracy(mineLines(content, { requestKeys: false }).assignments, truth);
  merged.before.push(before);
  merged.drain.push(accuracy);
  merged.structure.push(accStructure);
  merged.embeddings.push(accEmbedding);
  const raw = read('log');
  const accuracyWhole = groupingAccuracy(mineLines(raw).assignments, truth);
  const lines = Array.from({ length: copies }, () => content).flat();
  const base: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    let c = process.cpuUsage();
    let tokens = 0;
    for (const l of lines) tokens += maskLine(l).split(/\s+/).length;
    const b = lines.length / cpu(process.cpuUsage(c));
    c = process.cpuUsage();
    const d = new Drain();
    for (const l of lines) d.add(l);
    const f = lines.length / cpu(process.cpuUsage(c));
    if (r > 0 && tokens > 0) { base.push(b); full.push(f); } // round 0 warms the JIT
  }
  console.log(`${system.padEnd(10)} grouping accuracy ${accuracy.toFixed(3)} (without request keys ${before.toFixed(3)}), merged on structure ${accStructure.toFixed(3)}, merged with embeddings ${accEmbedding.toFixed(3)} (whole lines, no --format: ${accuracyWhole.toFixed(3)}); ` +
    `Drain median ${fmt(median(full))} lines/s vs mask+tokenise ${fmt(median(base))} lines/s (ratio ${(median(full) / median(base) * 100).toFixed(0)}%), ${fmt(lines.length)} lines x ${rounds} rounds`);
}
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`mean grouping accuracy over ${SYSTEMS.length} systems: Drain without request keys ${avg(merged.before).toFixed(3)}, Drain ${avg(merged.drain).toFixed(3)}, + merge on structure ${avg(merged.structure).toFixed(3)}, + merge with embeddings ${avg(merged.embeddings).toFixed(3)}`);
