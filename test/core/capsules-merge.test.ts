import { describe, expect, it } from 'vitest';
import { CapsuleSuccessors, constantTokens, mergeTemplates, mineLines, structureSimilarity } from '../../app/core/capsules/index.js';
import { CapsuleIngestor } from '../../app/telemetry/otlp/capsule-ingest.js';

describe('capsule merging and stable ids', () => {
  it('keeps request lines of different routes apart, and the same route together', () => {
    const lines = [
      '10.0.0.1 "GET /v2/abc123def456/servers/detail HTTP/1.1" status: 200 len: 1500 time: 0.25',
      '10.0.0.2 "GET /v2/fedcba654321/servers/detail HTTP/1.1" status: 200 len: 1600 time: 0.31',
      '10.0.0.3 "GET /v2/abc123def456/servers/8b1d2c3e-1111-2222-3333-444455556666 HTTP/1.1" status: 404 len: 100 time: 0.05',
      '10.0.0.4 "DELETE /v2/abc123def456/servers/8b1d2c3e-1111-2222-3333-444455556666 HTTP/1.1" status: 204 len: 0 time: 0.05',
    ];
    const r = mineLines(lines);
    expect(r.assignments[0]).toBe(r.assignments[1]);
    expect(new Set(r.assignments).size).toBe(3);
    // The old behaviour folded them all into "GET <*>": requestKeys off shows it.
    expect(new Set(mineLines(lines, { requestKeys: false }).assignments.slice(0, 3)).size).toBe(1);
  });

  it('merges templates of one event split by a variable-length part, not different events', () => {
    const t = [
      { id: 'a', template: 'www.x.com:<NUM> close, <NUM> bytes sent, <NUM> bytes received, lifetime <*>', count: 50 },
      { id: 'b', template: 'www.x.com:<NUM> close, <NUM> bytes (<NUM> KB) sent, <NUM> bytes received, lifetime <*>', count: 20 },
      { id: 'c', template: 'www.x.com:<NUM> open through proxy proxy.example.edu:<NUM> HTTPS', count: 40 },
      { id: 'd', template: 'Failed password for invalid user <*> from <IP> port <NUM> ssh2', count: 10 },
      { id: 'e', template: 'Failed password for <*> from <IP> port <NUM> ssh2', count: 10 },
    ];
    const m = mergeTemplates(t);
    expect(m.get('b')).toBe('a'); // the busier one keeps its id
    expect(m.get('c')).toBe('c');
    expect(m.get('d')).toBe('d');
    expect(m.get('e')).toBe('e');
    expect(constantTokens('"GET /v2/<ID> HTTP/<NUM>" status: <NUM>')).toEqual(['GET', 'status']);
    expect(structureSimilarity(['a', 'b', 'c'], ['a', 'c'])).toBeCloseTo(0.8);
  });

  it('uses embeddings when given: dissimilar vectors keep structurally close templates apart', () => {
    const t = [
      { id: 'a', template: 'session opened for user <*> now', count: 5, vector: Float32Array.from([1, 0]) },
      { id: 'b', template: 'session opened for user <*> by <*> now', count: 5, vector: Float32Array.from([0, 1]) },
    ];
    expect(mergeTemplates(t.map(({ vector: _v, ...x }) => x)).get('b')).toBe('a');
    expect(mergeTemplates(t).get('b')).toBe('b');
  });

  it('maps an old capsule id to its successor when the template generalises, without cycles', () => {
    const ing = new CapsuleIngestor({});
    const req = (body: string) => ({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: '1700000000000000000', body: { stringValue: body } }] }] }] });
    ing.addLogs('t', req('login failed for user alice from web') as never);
    const first = ing.drain().capsules[0]!.capsuleId;
    ing.addLogs('t', req('login failed for user bob from web') as never);
    const second = ing.drain().capsules[0]!.capsuleId;
    expect(second).not.toBe(first);
    expect(ing.successors.resolve(first)).toBe(second);
    const s = new CapsuleSuccessors();
    s.record('x', 'y');
    s.record('y', 'x');
    expect(s.resolve('x')).toBe('y');
    expect(s.resolve('y')).toBe('y');
  });
});
