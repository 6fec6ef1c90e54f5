/**
 * Fleet-level chart: expected error-budget burn per SLO period, per SLO and variant, with the
 * calibrated interval as a whisker and the whole budget (100 %) as a vertical rule. One glance shows
 * which SLOs would exhaust their budget at which variant.
 */
import type { Report, VariantType } from '../core/report.js';
import { selectedType, tidy } from './common.js';
import { escapeXml } from './svg.js';

const W = 760;
const ROW = 30;
const M = { left: 300, right: 30, top: 54, bottom: 56 };
/** More rows than this make an unreadable image; the rest are counted in the footer. */
const MAX_ROWS = 60;
const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const COLOR: Record<VariantType, string> = { conservative: '#0072B2', balanced: '#009E73', aggressive: '#E69F00' };
const r1 = (v: number): string => String(Math.round(v * 10) / 10);

export function renderBurnChart(report: Report, options: { variant?: Partial<Record<string, VariantType>> } = {}): string {
  const withBurn = report.proposals.filter((p) => p.variants.some((v) => v.budgetBurn));
  const rows = withBurn.slice(0, MAX_ROWS);
  const plotW = W - M.left - M.right;
  const H = M.top + Math.max(1, rows.length) * ROW + M.bottom;
  const highest = Math.max(1.2, ...rows.flatMap((p) => p.variants.map((v) => v.budgetBurn?.interval[1] ?? 0)));
  // Beyond 3x the budget the exact figure matters less than "far over": clip and mark with an arrow.
  const xMax = Math.min(3, Math.ceil(highest * 5) / 5);
  const x = (b: number) => M.left + (Math.min(b, xMax) / xMax) * plotW;
  const period = report.period ?? report.window;
  const body: string[] = [`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`];
  body.push(`<text x="16" y="24" font-size="15" font-weight="600">${escapeXml(`Expected error-budget burn per ${period} period`)}</text>`);
  body.push(`<text x="16" y="42" fill="#57606a">${escapeXml('bar: expected share of the budget one period consumes · whisker: interval · bold label: the enforced variant')}</text>`);
  for (let t = 0; t <= xMax + 1e-9; t += xMax > 2 ? 0.5 : 0.25) {
    const xx = r1(x(t));
    body.push(`<line x1="${xx}" y1="${M.top - 4}" x2="${xx}" y2="${H - M.bottom}" stroke="${Math.abs(t - 1) < 1e-9 ? '#cf222e' : '#d0d7de'}" stroke-width="${Math.abs(t - 1) < 1e-9 ? 1.5 : 1}"/>`);
    body.push(`<text x="${xx}" y="${H - M.bottom + 16}" text-anchor="middle">${escapeXml(`${tidy(t * 100, 3)}%`)}</text>`);
  }
  body.push(`<text x="${r1(x(1))}" y="${M.top - 8}" text-anchor="middle" fill="#cf222e">whole budget</text>`);
  rows.forEach((p, i) => {
    const y0 = M.top + i * ROW;
    const selected = selectedType(p, options.variant);
    body.push(`<text x="${M.left - 8}" y="${r1(y0 + ROW / 2)}" dy="0.32em" text-anchor="end">${escapeXml(truncate(`${p.service} ${p.endpoint ?? ''} ${p.sli}`, 44))}</text>`);
    p.variants.forEach((v, j) => {
      const b = v.budgetBurn;
      if (!b) return;
      const y = y0 + 4 + j * 7.5;
      const label = `${v.type}: ${tidy(b.expected * 100, 3)}% [${tidy(b.interval[0] * 100, 3)}%, ${tidy(b.interval[1] * 100, 3)}%]`;
      body.push(`<rect x="${M.left}" y="${r1(y)}" width="${r1(Math.max(1, x(b.expected) - M.left))}" height="6" fill="${COLOR[v.type]}" fill-opacity="${v.type === selected ? 1 : 0.55}"><title>${escapeXml(`${p.sloId} ${label}`)}</title></rect>`);
      body.push(`<line x1="${r1(x(b.interval[0]))}" y1="${r1(y + 3)}" x2="${r1(x(b.interval[1]))}" y2="${r1(y + 3)}" stroke="#24292f" stroke-width="1"/>`);
      if (b.interval[1] > xMax) body.push(`<text x="${r1(x(xMax) + 3)}" y="${r1(y + 3)}" dy="0.32em" font-size="10">›</text>`);
    });
  });
  const ly = H - 22;
  let lx = 16;
  for (const t of ['conservative', 'balanced', 'aggressive'] as const) {
    body.push(`<rect x="${lx}" y="${ly - 5}" width="14" height="10" fill="${COLOR[t]}"/>`);
    body.push(`<text x="${lx + 20}" y="${ly}" dy="0.32em">${t}</text>`);
    lx += 20 + t.length * 7 + 20;
  }
  if (withBurn.length > rows.length) body.push(`<text x="${W - M.right}" y="${ly}" dy="0.32em" text-anchor="end" fill="#57606a">${withBurn.length - rows.length} more SLOs in report.json</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" font-family="${FONT}" font-size="12" fill="#24292f">`,
    `<title>${escapeXml(`Expected error-budget burn per SLO and variant (${rows.length} SLOs)`)}</title>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
