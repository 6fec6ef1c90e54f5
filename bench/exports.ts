/**
 * Export speed: the whole file set (OpenSLO, rule file, SVG chart per SLO, dashboard per service, PR body,
 * report.json) for a fleet of 400 SLOs (50 services × 8), built from the hand-made test fixture. Prints medians of
 * several runs and ratios against baselines measured in the same run: report.json alone (schema validation +
 * pretty JSON, the least any export must do) and the PR body alone (the only step that re-renders to fit a limit).
 *
 *   npx tsx bench/exports.ts [runs=5] [services=50] [slosPerService=8]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report } from '../app/core/report.js';
import { renderFileSet, renderPullRequestBody } from '../app/export/index.js';
import { medianSeconds } from './lib.js';

const runs = Number(process.argv[2] ?? 5);
const services = Number(process.argv[3] ?? 50);
const perService = Number(process.argv[4] ?? 8);

const base = Report.parse(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'test', 'export', 'testdata', 'in-fleet.json'), 'utf8')));
const proposals = Array.from({ length: services * perService }, (_, i) => {
  const p = base.proposals[i % base.proposals.length]!;
  return { ...p, sloId: `${p.sloId}-${i}`, service: `svc-${Math.floor(i / perService)}` };
});
const report: Report = { ...base, proposals };

const time = (f: () => unknown) => medianSeconds(runs, f);

let files = 0;
let bytes = 0;
const full = time(() => {
  const out = renderFileSet(report, { format: 'openslo' });
  files = out.length;
  bytes = out.reduce((n, f) => n + f.content.length, 0);
});
const reportOnly = time(() => `${JSON.stringify(Report.parse(report), null, 2)}\n`);
const prOnly = time(() => renderPullRequestBody(report));

console.log(`renderFileSet, ${proposals.length} SLOs: median ${full.toFixed(3)} s for ${files} files (${(bytes / 1e6).toFixed(1)} MB), ${((full / proposals.length) * 1000).toFixed(2)} ms per SLO, ${runs} runs`);
console.log(`report.json alone: median ${reportOnly.toFixed(3)} s -> the full file set costs ${(full / reportOnly).toFixed(1)}x`);
console.log(`PULL_REQUEST.md alone (fitted to 65,536 chars): median ${prOnly.toFixed(3)} s -> ${((prOnly / full) * 100).toFixed(0)}% of the file set`);
