import { describe, expect, it } from 'vitest';
import { fleetHistories } from '../../../app/core/fleet/index.js';
import { recommend } from '../../../app/core/recommend/index.js';
import type { profileOf} from '../../../app/core/similar/index.js';
import { borrowFor, needsBorrowing, recommendWithBorrowing, similarity, type Candidate, type Lender } from '../../../app/core/similar/index.js';
import { fitIdf, hashedVector, type Vector } from '../../../app/core/vectors/index.js';

const DAY = 86_400;
const end = Date.UTC(2026, 10, 30) / 1000;
const profile = (o: Partial<ReturnType<typeof profileOf>> = {}) => ({ logP50: Math.log(0.05), logP90: Math.log(0.2), logErrors: -3, logTraffic: 4, windows: 28, ...o });
const unit = (x: number[]) => { const n = Math.hypot(...x); return Float32Array.from(x.map((v) => v / n)); };
const cand = (service: string, endpoint: string, name: Vector, p = profile()): Candidate => ({ service, endpoint, name, profile: p });
const lender = (c: Candidate, breached: number, windows = 28): Lender => ({ candidate: c, stats: new Map([['latency', new Map([['balanced', { breached, windows }]])]]) });

describe('priors borrowed from similar endpoints', () => {
  it('finds similar endpoints by name and by behaviour', () => {
    const a = cand('orders', '/orders/{id}', unit([1, 0, 0]));
    expect(similarity(a, cand('orders', '/orders/{id}/items', unit([0.9, 0.1, 0])))).toBeGreaterThan(similarity(a, cand('search', '/q', unit([0, 1, 0]))));
    // Same name, very different latency and traffic: less similar than the same name and behaviour.
    const slow = cand('x', '/orders/{id}', unit([1, 0, 0]), profile({ logP50: Math.log(2), logP90: Math.log(8), logTraffic: 1 }));
    expect(similarity(a, slow)).toBeLessThan(similarity(a, cand('x', '/orders/{id}', unit([1, 0, 0]))));
  });

  it('borrows a prior centred on the neighbours, weighted by similarity and data volume, and says from whom', () => {
    const target = cand('orders', '/orders/new-thing', unit([1, 0, 0]), profile({ windows: 5 }));
    const lenders = [
      lender(cand('orders', '/orders/{id}', unit([1, 0.1, 0])), 2),
      lender(cand('orders', '/orders', unit([1, 0.2, 0])), 1),
      lender(cand('orders', '/orders/{id}/items', unit([1, 0.3, 0])), 3),
      lender(cand('search', '/search', unit([0, 0, 1]), profile({ logP50: Math.log(3), logErrors: -1 })), 20),
    ];
    const b = borrowFor(target, 'new', lenders, 'latency', 'balanced')!;
    const mean = b.prior.a / (b.prior.a + b.prior.b);
    expect(mean).toBeGreaterThan(0.03);
    expect(mean).toBeLessThan(0.12);
    expect(b.borrowed.from.map((f) => f.endpoint)).not.toContain('/search');
    expect(b.borrowed.from.reduce((s, f) => s + f.weight, 0)).toBeCloseTo(1, 2);
    expect(b.borrowed.share).toBeCloseTo(b.borrowed.priorWindows / (b.borrowed.priorWindows + 5), 2);
    // Fewer than two lenders: nothing to borrow.
    expect(borrowFor(target, 'new', lenders.slice(0, 1), 'latency', 'balanced')).toBeUndefined();
  });

  it('only new and low-traffic endpoints borrow', () => {
    const c = (windows: number, traffic: number) => cand('s', '/e', unit([1]), profile({ windows, logTraffic: Math.log10(1 + traffic) }));
    expect(needsBorrowing(c(28, 50_000), 28)).toBeNull();
    expect(needsBorrowing(c(5, 50_000), 28)).toMatch(/^new \(5 of 28 windows\)$/);
    expect(needsBorrowing(c(28, 300), 28)).toMatch(/^low traffic \(median 300 requests per window\)$/);
  });

  it('narrows the intervals of thin endpoints in a fleet and leaves the others exactly as they were', () => {
    const spec = { seed: 3, end, days: 28, scenario: 'families' as const, services: 4, endpointsPerService: 6, stepSeconds: 3600 };
    // The families fleet's new endpoint starts 34 days before `end`; with a 28-day history ending at
    // `end - 28d` it is 6 days old.
    const fitEnd = end - 28 * DAY;
    const histories = fleetHistories({ ...spec, end: fitEnd + 28 * DAY, days: 56 }, { breachWindowSeconds: DAY }).map((h) => ({ ...h, windows: h.windows.filter((w) => w.end <= fitEnd) }));
    const texts = histories.map((h) => `${h.service} ${h.endpoint}`);
    const idf = fitIdf(texts);
    const names = new Map(histories.map((h, i) => [`${h.service}\u0000${h.endpoint}`, hashedVector(texts[i]!, idf)]));
    const options = { end: fitEnd, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, bootstrapDraws: 300 };
    const plain = recommend(histories, options);
    const borrowed = recommendWithBorrowing(histories, options, names);
    expect(borrowed.borrowers).toBeGreaterThan(0);
    const width = (p: (typeof plain.proposals)[number]) => p.variants.reduce((s, v) => s + v.breachRateInterval[1] - v.breachRateInterval[0], 0);
    let narrower = 0;
    for (const p of plain.proposals) {
      const b = borrowed.proposals.find((x) => x.sloId === p.sloId)!;
      if (!b.borrowed) {
        expect(b).toEqual(p);
        continue;
      }
      expect(b.borrowed.from.length).toBeGreaterThanOrEqual(2);
      expect(b.evidence.at(-1)!.description).toMatch(/^Breach-rate prior borrowed from similar endpoints because this one is (new|low traffic)/);
      if (width(b) < width(p)) narrower++;
    }
    expect(narrower).toBeGreaterThan(0);
  });
});
