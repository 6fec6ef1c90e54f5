import type { HistoryPoint, Proposal, Report, VariantType } from '../core/report.js';
import { VARIANT_TYPES } from '../core/report.js';
import { selectedType, tidy, variantOf } from './common.js';

const W = 760;
const H = 340;
const M = { left: 70, right: 20, top: 40, bottom: 96 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
/** System fonts only: GitHub serves SVGs as images, which may not load web fonts. */
const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/** Colour-blind-safe (Okabe-Ito) so the three variants stay apart for every reviewer. */
const COLOR: Record<VariantType, string> = { conservative: '#0072B2', balanced: '#009E73', aggressive: '#E69F00' };
const BREACH = '#D55E00';
/** One SLI line shared by all variants (availability). */
const SHARED = '#24292f';
/** Five nines is as far as one day of traffic can resolve for almost every endpoint. */
const MAX_NINES = 5;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** SLIs and targets live near 100%; a "nines" scale (-log10 of the error ratio) spreads 95 / 99 / 99.9 apart. */
function nines(sli: number): number {
  return Math.min(MAX_NINES, -Math.log10(Math.max(1 - sli, 10 ** -MAX_NINES)));
}

function percentLabel(n: number): string {
  return `${tidy(100 * (1 - 10 ** -n), 4)}%`;
}

const r1 = (v: number): string => String(Math.round(v * 10) / 10);

interface Scale { x: (t: number) => number; y: (n: number) => number; lo: number; hi: number }

function scales(history: HistoryPoint[], targets: number[]): Scale {
  const t0 = Date.parse(history[0]!.start);
  const t1 = Date.parse(history.at(-1)!.end);
  const values = history.flatMap((p) => VARIANT_TYPES.map((v) => p.sli[v]).filter((s): s is number => typeof s === 'number'));
  const all = [...values, ...targets].map(nines);
  const lo = Math.max(0, Math.floor(Math.min(...all) - 0.25));
  const hi = Math.max(lo + 1, Math.min(MAX_NINES, Math.ceil(Math.max(...all) + 0.25)));
  return {
    x: (t) => M.left + ((t - t0) / Math.max(1, t1 - t0)) * PLOT_W,
    y: (n) => M.top + PLOT_H - ((Math.min(hi, Math.max(lo, n)) - lo) / (hi - lo)) * PLOT_H,
    lo,
    hi,
  };
}

function yAxis(s: Scale): string[] {
  const out: string[] = [];
  const step = s.hi - s.lo <= 2 ? 0.5 : 1;
  for (let n = s.lo; n <= s.hi + 1e-9; n += step) {
    const y = r1(s.y(n));
    out.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#d0d7de" stroke-width="1"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${escapeXml(percentLabel(n))}</text>`);
  }
  const midY = r1(M.top + PLOT_H / 2);
  out.push(`<text x="16" y="${midY}" text-anchor="middle" transform="rotate(-90 16 ${midY})">SLI per window (nines scale)</text>`);
  return out;
}

function xAxis(history: HistoryPoint[], s: Scale, breachWindow: string): string[] {
  const out: string[] = [];
  const every = Math.max(1, Math.ceil(history.length / 10));
  history.forEach((p, i) => {
    if (i % every !== 0) return;
    const x = r1(s.x(Date.parse(p.start)));
    out.push(`<line x1="${x}" y1="${M.top + PLOT_H}" x2="${x}" y2="${M.top + PLOT_H + 4}" stroke="#57606a"/>`);
    out.push(`<text x="${x}" y="${M.top + PLOT_H + 16}" text-anchor="middle">${escapeXml(p.start.slice(5, 10))}</text>`);
  });
  out.push(`<text x="${r1(M.left + PLOT_W / 2)}" y="${M.top + PLOT_H + 34}" text-anchor="middle">evaluation window start (UTC, MM-DD; one point per ${escapeXml(breachWindow)})</text>`);
  return out;
}

function seriesPath(history: HistoryPoint[], type: VariantType, s: Scale): string {
  let d = '';
  let pen = false;
  for (const p of history) {
    const v = p.sli[type];
    if (typeof v !== 'number') {
      pen = false; // a window without traffic is a gap, not a zero
      continue;
    }
    const x = r1(s.x((Date.parse(p.start) + Date.parse(p.end)) / 2));
    d += `${pen ? 'L' : 'M'}${x} ${r1(s.y(nines(v)))} `;
    pen = true;
  }
  return d.trim();
}

/** An SVG line chart of a proposal's SLI history with the three variants' targets, breaches of the enforced one shaded. */
export function renderSvgChart(report: Report, proposal: Proposal, options: { variant?: Partial<Record<string, VariantType>> } = {}): string {
  const selected = selectedType(proposal, options.variant);
  const title = `${proposal.service} ${proposal.endpoint ?? '(all endpoints)'} · ${proposal.sli}`;
  const history = [...(proposal.history ?? [])].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const body: string[] = [];
  body.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  body.push(`<text x="${M.left}" y="24" font-size="15" font-weight="600">${escapeXml(title)}</text>`);

  if (history.length === 0) {
    body.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#57606a">No SLI history in report.json for ${escapeXml(proposal.sloId)}</text>`);
  } else {
    const targets = proposal.variants.map((v) => v.target / 100);
    const s = scales(history, targets);
    const target = variantOf(proposal, selected).target / 100;
    for (const p of history) {
      const v = p.sli[selected];
      const x0 = s.x(Date.parse(p.start));
      const w = r1(Math.max(1, s.x(Date.parse(p.end)) - x0));
      if (v === null || v === undefined) {
        body.push(`<rect x="${r1(x0)}" y="${M.top}" width="${w}" height="${PLOT_H}" fill="#8c959f" fill-opacity="0.15"><title>${escapeXml(p.start)}: no traffic</title></rect>`);
      } else if (v < target) {
        body.push(`<rect x="${r1(x0)}" y="${M.top}" width="${w}" height="${PLOT_H}" fill="${BREACH}" fill-opacity="0.15"><title>${escapeXml(`${p.start}: ${tidy(v * 100, 6)}% < ${tidy(target * 100, 6)}% (${selected})`)}</title></rect>`);
      }
    }
    body.push(...yAxis(s), ...xAxis(history, s, report.breachWindow));
    body.push(`<rect x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#57606a"/>`);
    // Availability (and any SLI whose good events do not depend on the variant) has one series for all
    // variants: draw it once in a neutral colour instead of three lines on top of each other.
    const paths = proposal.variants.map((v) => ({ v, d: seriesPath(history, v.type, s) }));
    const shared = paths.length > 1 && paths.every((p) => p.d === paths[0]!.d);
    for (const { v, d } of paths) {
      const width = v.type === selected ? 2.5 : 1.5;
      const y = r1(s.y(nines(v.target / 100)));
      body.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="${COLOR[v.type]}" stroke-width="${width}" stroke-dasharray="6 4"/>`);
      if (d && !shared) body.push(`<path d="${d}" fill="none" stroke="${COLOR[v.type]}" stroke-width="${width}" stroke-linejoin="round"/>`);
    }
    if (shared && paths[0]!.d) body.push(`<path d="${paths[0]!.d}" fill="none" stroke="${SHARED}" stroke-width="2" stroke-linejoin="round"/>`);
    // Legend, row 1: one entry per variant (solid = SLI, dashed = target); row 2: the shading.
    const ly = H - 38;
    let lx = M.left;
    if (shared) {
      body.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${SHARED}" stroke-width="2"/>`);
      body.push(`<text x="${lx + 24}" y="${ly}" dy="0.32em">SLI</text>`);
      lx += 24 + 3 * 7 + 18;
    }
    for (const v of proposal.variants) {
      const label = `${v.type} ${v.target}%${v.type === selected ? ' (enforced)' : ''}`;
      if (!shared) body.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${COLOR[v.type]}" stroke-width="2.5"/>`);
      body.push(`<line x1="${lx}" y1="${ly + 4}" x2="${lx + 18}" y2="${ly + 4}" stroke="${COLOR[v.type]}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
      body.push(`<text x="${lx + 24}" y="${ly}" dy="0.32em">${escapeXml(label)}</text>`);
      lx += 24 + label.length * 7 + 18; // ~7px per character at 12px is a safe upper bound for these fonts
    }
    const ry = H - 14;
    body.push(`<rect x="${M.left}" y="${ry - 7}" width="14" height="14" fill="${BREACH}" fill-opacity="0.3"/>`);
    body.push(`<text x="${M.left + 20}" y="${ry}" dy="0.32em">breach of the enforced target</text>`);
    body.push(`<rect x="${M.left + 210}" y="${ry - 7}" width="14" height="14" fill="#8c959f" fill-opacity="0.3"/>`);
    body.push(`<text x="${M.left + 230}" y="${ry}" dy="0.32em">no traffic</text>`);
    body.push(`<text x="${W - M.right}" y="${ry}" dy="0.32em" text-anchor="end" fill="#57606a">solid: SLI at the variant's threshold · dashed: target</text>`);
  }

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" font-family="${FONT}" font-size="12" fill="#24292f">`,
    `<title>${escapeXml(`SLI history: ${title}`)}</title>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
