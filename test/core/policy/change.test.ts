import { describe, it, expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { deriveChange, compareObjectives } from '../../../app/core/policy/index.js';

function openslo(name: string, service: string, target: number, threshold?: number, labels: Record<string, string> = {}): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
  labels: ${JSON.stringify(labels)}
spec:
  service: ${service}
  objectives:
    - target: ${target}
${threshold === undefined ? '' : `      op: lte\n      value: ${threshold}\n`}`;
}
const docs = (text: string | null) => (text === null ? null : parseAllDocuments(text).map((d) => d.toJS() as unknown));

describe('compareObjectives', () => {
  it.each([
    ['a higher target is tighter', [{ target: 99, threshold: null }], [{ target: 99.9, threshold: null }], 'tightened'],
    ['a lower target is looser', [{ target: 99.9, threshold: null }], [{ target: 99, threshold: null }], 'loosened'],
    ['a lower latency threshold at the same target is tighter', [{ target: 99, threshold: 300 }], [{ target: 99, threshold: 250 }], 'tightened'],
    ['a higher target with a higher threshold is a mixed change', [{ target: 99, threshold: 300 }], [{ target: 99.9, threshold: 500 }], 'changed'],
    ['identical objectives are no change', [{ target: 99, threshold: 300 }], [{ target: 99, threshold: 300 }], null],
  ] as const)('%s', (_n, before, after, expected) => {
    expect(compareObjectives([...before], [...after])).toBe(expected);
  });
});

describe('deriveChange', () => {
  it('compares OpenSLO documents of base and head per service/name', () => {
    const base = [openslo('latency', 'checkout', 0.99, 300), openslo('avail', 'checkout', 0.999)].join('---\n');
    const head = [openslo('latency', 'checkout', 0.999, 300, { criticality: 'critical', endpoint: 'POST /pay' }), openslo('errors', 'cart', 0.99)].join('---\n');
    const c = deriveChange([{ path: 'slos/a.yaml', base: docs(base), head: docs(head) }]);
    expect(c.slos.map((s) => [s.key, s.kind, s.critical])).toEqual([
      ['cart/errors', 'added', false],
      ['checkout/avail', 'removed', false],
      ['checkout/latency', 'tightened', true],
    ]);
    expect(c.services).toEqual(['cart', 'checkout']);
    expect(c.endpoints).toEqual(['cart/errors', 'checkout/POST /pay', 'checkout/avail']);
    expect(c.slos.find((s) => s.key === 'checkout/latency')?.after).toEqual([{ target: 99.9, threshold: 300 }]);
  });

  it('reads Sloth documents and a new file as all-added', () => {
    const head = 'version: prometheus/v1\nservice: cart\nlabels: { tier: critical }\nslos:\n  - name: add-item\n    objective: 99.5\n';
    const c = deriveChange([{ path: 'slos/cart.yaml', base: null, head: docs(head) }]);
    expect(c.slos).toMatchObject([{ key: 'cart/add-item', kind: 'added', critical: true, after: [{ target: 99.5, threshold: null }] }]);
  });

  it('counts recording and alerting rules added and removed, by name and labels', () => {
    const rules = (n: number, alerts: number) => `groups:\n  - name: g\n    rules:\n${Array.from({ length: n }, (_, i) => `      - record: slo:sli_error:ratio_rate5m\n        labels: { slo: s${i} }\n        expr: vector(1)\n`).join('')}${Array.from({ length: alerts }, (_, i) => `      - alert: Burn${i}\n        expr: vector(1)\n`).join('')}`;
    const c = deriveChange([{ path: 'slos/rules.yaml', base: docs(rules(2, 3)), head: docs(rules(5, 1)) }]);
    expect(c.rules).toEqual({ recordingAdded: 3, recordingRemoved: 0, alertingAdded: 0, alertingRemoved: 2 });
    expect(c.slos).toEqual([]);
  });

  it('reads the threshold of SLO-Scout files from the selected variant annotation (lower target, lower threshold = mixed change) and groups latency and availability per endpoint', () => {
    const gen = (variant: string, target: number) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-api-orders-latency
  annotations:
    slo-scout.dev/selected-variant: ${variant}
    slo-scout.dev/variant-balanced: '{"target":99,"thresholdSeconds":0.5}'
    slo-scout.dev/variant-aggressive: '{"target":95,"thresholdSeconds":0.25}'
spec:
  service: checkout-api
  objectives: [{ target: ${target} }]
---
${openslo('checkout-api-orders-availability', 'checkout-api', target)}`;
    const c = deriveChange([{ path: 'slos/checkout-api/x.yaml', base: docs(gen('balanced', 0.99)), head: docs(gen('aggressive', 0.95)) }]);
    expect(c.slos.find((s) => s.slo.endsWith('latency'))).toMatchObject({ kind: 'changed', before: [{ target: 99, threshold: 0.5 }], after: [{ target: 95, threshold: 0.25 }] });
    expect(c.endpoints).toEqual(['checkout-api/checkout-api-orders']);
  });

  it('ignores documents it does not understand and unchanged SLOs', () => {
    const same = openslo('latency', 'checkout', 0.99, 300);
    const c = deriveChange([{ path: 'slos/x.yaml', base: docs(`${same}---\nfoo: bar\n`), head: docs(same) }]);
    expect(c.slos).toEqual([]);
    expect(c.files).toEqual(['slos/x.yaml']);
  });
});
