import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { VARIANT_TYPES, type Proposal, type Report } from '../../app/core/report.js';
import { escapeXml, renderSvgChart } from '../../app/export/svg.js';
import { fixture, fixtures } from './fixtures.js';

function rects(svg: string): { fill?: string; title?: string }[] {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg) as { svg: { rect: unknown } };
  const list = ([] as unknown[]).concat(doc.svg.rect ?? []);
  return list.map((r) => r as { fill?: string; title?: string });
}

describe('SVG chart', () => {
  const all = fixtures().flatMap(({ name, report }) => report.proposals.map((p) => ({ name: `${name}/${p.sloId}`, report, proposal: p })));

  it.each(all.map((c) => [c.name, c] as const))('%s is well-formed XML without scripts, foreign objects or external references', (_n, c) => {
    const svg = renderSvgChart(c.report, c.proposal);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toMatch(/<script|<foreignObject|href=|url\(|@import|<style/i);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('shades exactly the windows where the enforced variant missed its target', () => {
    const report = fixture('fleet');
    const proposal = report.proposals.find((p) => p.sloId === 'checkout-api-orders-latency')!;
    const target = proposal.variants.find((v) => v.type === proposal.selectedVariant)!.target / 100;
    const misses = proposal.history!.filter((h) => { const s = h.sli[proposal.selectedVariant]; return typeof s === 'number' && s < target; }).length;
    expect(misses).toBeGreaterThan(0);
    const shaded = rects(renderSvgChart(report, proposal)).filter((r) => r.fill === '#D55E00' && r.title);
    expect(shaded).toHaveLength(misses);
  });

  it('marks windows without traffic as gaps, not breaches', () => {
    const report = fixture('fleet');
    const proposal = report.proposals.find((p) => p.sloId === 'checkout-api-orders-availability')!;
    const gaps = proposal.history!.filter((h) => h.total === 0).length;
    expect(gaps).toBeGreaterThan(0);
    expect(rects(renderSvgChart(report, proposal)).filter((r) => String(r.title).endsWith('no traffic'))).toHaveLength(gaps);
  });

  it('draws a line and a dashed target for every variant, and a legend naming each', () => {
    const report = fixture('fleet');
    const svg = renderSvgChart(report, report.proposals[0]!);
    for (const type of VARIANT_TYPES) expect(svg).toContain(`>${type} `);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain('(enforced)');
  });

  it('draws one neutral SLI line when every variant has the same series (availability)', () => {
    const report = fixture('fleet');
    const proposal = report.proposals.find((p) => p.sloId === 'checkout-api-orders-availability')!;
    const svg = renderSvgChart(report, proposal);
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).toContain('>SLI</text>');
    expect(svg.match(/stroke-dasharray="6 4"/g)!.length).toBeGreaterThanOrEqual(3); // the three targets stay
  });

  it('escapes hostile text from the report', () => {
    const report = fixture('minimal');
    const evil: Proposal = { ...report.proposals[0]!, service: '<script>alert("x")</script>', endpoint: 'GET /a?b=1&c=<d>' };
    const svg = renderSvgChart({ ...report, proposals: [evil] } as Report, evil);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain('<script');
    expect(svg).toContain(escapeXml('<script>alert("x")</script>'));
  });

  it('without history it still renders a valid placeholder', () => {
    const report = fixture('minimal');
    const svg = renderSvgChart(report, report.proposals[0]!);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('No SLI history');
  });

  it('is deterministic', () => {
    const report = fixture('fleet');
    expect(renderSvgChart(report, report.proposals[1]!)).toBe(renderSvgChart(report, report.proposals[1]!));
  });
});
