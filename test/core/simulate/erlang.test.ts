import { describe, expect, it } from 'vitest';
import { erlangB, erlangC, meanWait, waitAtMost, waitDistribution } from '../../../app/core/simulate/erlang.js';

describe('Erlang C against published values', () => {
  // Offered load 10 Erlang: the standard table (e.g. Cooper, Introduction to Queueing Theory, Erlang C tables).
  const published: Array<[number, number]> = [[11, 0.6821], [12, 0.4494], [13, 0.2853], [14, 0.1741], [15, 0.1020], [16, 0.0573]];
  it.each(published)('with 10 Erlang offered to %i servers the chance to wait is %f', (servers, expected) => {
    expect(Math.abs(erlangC(servers, 10) - expected)).toBeLessThan(1e-4);
  });

  it('reproduces the call-centre example: 48 Erlang on 55 agents, 4-minute calls', () => {
    const lambda = 48 / 240; // calls per second so that A = λ·240 s = 48
    const mu = 1 / 240;
    expect(Math.abs(erlangC(55, 48) - 0.2387)).toBeLessThan(1e-4);
    expect(Math.abs(meanWait(55, lambda, mu) - 8.18)).toBeLessThan(0.005);
    expect(Math.abs(waitAtMost(55, lambda, mu, 15) - 0.846)).toBeLessThan(5e-4);
  });
});

describe('Erlang B/C numerics', () => {
  it('Erlang B matches the closed form for one server, A/(1+A)', () => {
    for (const a of [0.1, 1, 7.5]) expect(erlangB(1, a)).toBeCloseTo(a / (1 + a), 12);
  });

  it('1000 servers near saturation stay finite, in [0, 1], and agree with a log-space sum', () => {
    for (const a of [900, 990, 999, 999.9]) {
      const c = erlangC(1000, a);
      // Reference: B via log-sum-exp of A^k/k! terms (independent of the recursion under test).
      const logTerms: number[] = [];
      let logTerm = 0;
      for (let k = 0; k <= 1000; k++) {
        if (k > 0) logTerm += Math.log(a) - Math.log(k);
        logTerms.push(logTerm);
      }
      const max = Math.max(...logTerms);
      const logSum = max + Math.log(logTerms.reduce((s, t) => s + Math.exp(t - max), 0));
      const b = Math.exp(logTerms[1000]! - logSum);
      const reference = (1000 * b) / (1000 - a * (1 - b));
      expect(Number.isFinite(c)).toBe(true);
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThanOrEqual(1);
      expect(Math.abs(c - reference)).toBeLessThan(1e-9);
    }
  });

  it('the chance to wait rises with load and falls with servers', () => {
    let prev = 0;
    for (let a = 0.5; a < 20; a += 0.5) {
      const c = erlangC(20, a);
      expect(c).toBeGreaterThanOrEqual(prev);
      prev = c;
    }
    for (let s = 11; s < 40; s++) expect(erlangC(s + 1, 10)).toBeLessThanOrEqual(erlangC(s, 10));
  });

  it('a load at or above capacity is reported unstable rather than a negative wait', () => {
    const w = waitDistribution(4, 8, 2);
    expect(w.stable).toBe(false);
    expect(meanWait(4, 8, 2)).toBe(Infinity);
    expect(erlangC(4, 4)).toBe(1);
  });

  it('rejects a fractional server count with a message naming the argument', () => {
    expect(() => erlangC(2.5, 1)).toThrow(/servers must be a whole number/);
  });
});
