import { describe, expect, it } from 'vitest';
import { cosine, fitIdf, hashedVector, norm, toMatrix, topK, topKMatrix, words } from '../../../app/core/vectors/index.js';

const corpus = ['payments /v1/charges POST', 'checkout /pay POST', 'users /users/{id} GET', 'reports /reports/export GET', 'search /search GET'];
const table = fitIdf(corpus);

describe('the built-in hashed n-gram embedder', () => {
  it('splits identifiers and folds path parameters, ids and plurals', () => {
    expect(words('POST /v1/Customers/:customerId/paymentMethods')).toEqual(['post', 'customer', 'param', 'payment', 'method']);
    expect(words('/orders/{orderId}/items/12345')).toEqual(['order', 'param', 'item', 'num']);
    expect(words('/sessions/3f9a7c2e11b04d')).toEqual(['session', 'num']);
  });

  it('gives unit vectors, the same vector for the same text, and nearer vectors for nearer names', () => {
    const a = hashedVector('payments POST /v1/charges', table);
    expect(norm(a)).toBeCloseTo(1, 5);
    expect([...hashedVector('payments POST /v1/charges', table)]).toEqual([...a]);
    const near = hashedVector('billing POST /v1/charge', table);
    const far = hashedVector('reports GET /reports/weekly/export', table);
    expect(cosine(a, near)).toBeGreaterThan(cosine(a, far) + 0.2);
  });

  it('weights rare words over common ones', () => {
    const t = fitIdf(['get a', 'get b', 'get c', 'get refund']);
    const q = hashedVector('get refund', t);
    expect(cosine(q, hashedVector('post refund', t))).toBeGreaterThan(cosine(q, hashedVector('get thing', t)));
  });

  it('never fails on hostile input', () => {
    for (const s of ['', '////', '{'.repeat(10_000), '\u0000\uffff', 'x'.repeat(100_000)]) {
      const v = hashedVector(s, table);
      expect(v.every(Number.isFinite)).toBe(true);
    }
  });

  it('topK returns the best rows first and honours the exclusion', () => {
    const rows = corpus.map((t) => hashedVector(t, table));
    const best = topK(rows[0]!, rows, 2);
    expect(best[0]).toEqual({ index: 0, similarity: expect.closeTo(1, 5) as number });
    expect(topK(rows[0]!, rows, 2, (i) => i === 0).map((n) => n.index)).not.toContain(0);
    expect(topK(rows[0]!, rows, 10)).toHaveLength(rows.length);
    const m = toMatrix(rows, rows[0]!.length);
    for (const q of rows) expect(topKMatrix(q, m, 3, (i) => i === 1)).toEqual(topK(q, rows, 3, (i) => i === 1));
    expect(() => toMatrix([rows[0]!, new Float32Array(3)], rows[0]!.length)).toThrow(/row 1 has 3 dimensions/);
  });
});
