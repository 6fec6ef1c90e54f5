import { describe, expect, it } from 'vitest';
import { shippedExemplars, parseExemplars } from '../../app/ai/catalog.js';
import { assessCriticality, endpointKey } from '../../app/ai/criticality.js';
import { emptyHints, readCatalogInfo, readCodeowners, readOpenApi, ownersOf } from '../../app/ai/repo-hints.js';
import { CriticalitySettings } from '../../app/config/ai.js';
import { byCriticality, endpointText, labelFromWord, variantFor } from '../../app/core/criticality/index.js';
import { createBuiltinEmbedder } from '../../app/embeddings/index.js';

const embedder = createBuiltinEmbedder(shippedExemplars().map((e) => endpointText(e)));
const settings = CriticalitySettings.parse({});
const assess = (endpoints: Array<{ service: string; endpoint: string | null }>, hints = emptyHints(), s = settings) =>
  assessCriticality({ endpoints, embedder, settings: s, exemplars: [...shippedExemplars(), ...s.exemplars], hints });

describe('criticality', () => {
  it('labels endpoints from their nearest exemplars and says which ones', async () => {
    const eps = [{ service: 'payments', endpoint: '/v1/charges/{id}/refund' }, { service: 'reports', endpoint: '/reports/monthly/export' }, { service: 'catalog', endpoint: '/products/{id}/images' }];
    const out = await assess(eps);
    const [pay, rep, cat] = eps.map((e) => out.get(endpointKey(e))!);
    expect(pay.label).toBe('critical');
    expect(pay.reason).toMatch(/^like payments POST \/v1\/\S+( and \S+ \S+ \S+)? \(0\.\d\d\)$/);
    expect(rep.label).toBe('low');
    expect(cat.label).toBe('standard');
    expect(pay.neighbours.length).toBeGreaterThan(0);
  });

  it('takes what the repository states: catalog-info tier, OpenAPI x-criticality, config pins', async () => {
    const hints = emptyHints();
    readCatalogInfo(hints, 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: reports\n  labels: { tier: "1" }\nspec:\n  type: service\n  owner: team-finance\n---\nkind: Component\nmetadata: { name: sandbox }\nspec: { lifecycle: experimental }\n', 'catalog-info.yaml');
    readOpenApi(hints, JSON.stringify({ openapi: '3.0.0', paths: { '/v2/x/{id}': { post: { summary: 'Capture an authorized card payment', 'x-criticality': 'tier-3' } } } }), 'openapi.json');
    const s = CriticalitySettings.parse({ services: { search: { label: 'critical' } } });
    const out = await assess([{ service: 'reports', endpoint: '/daily' }, { service: 'sandbox', endpoint: '/try' }, { service: 'gw', endpoint: '/v2/x/:id' }, { service: 'search', endpoint: '/q' }], hints, s);
    expect(out.get(endpointKey({ service: 'reports', endpoint: '/daily' }))).toMatchObject({ label: 'critical', source: 'catalog-info', reason: 'catalog-info.yaml: reports tier "1"' });
    expect(out.get(endpointKey({ service: 'sandbox', endpoint: '/try' }))).toMatchObject({ label: 'low', source: 'catalog-info' });
    expect(out.get(endpointKey({ service: 'gw', endpoint: '/v2/x/:id' }))).toMatchObject({ label: 'low', source: 'openapi' });
    expect(out.get(endpointKey({ service: 'search', endpoint: '/q' }))).toMatchObject({ label: 'critical', source: 'config' });
  });

  it('uses OpenAPI summaries and CODEOWNERS teams in the text it embeds', async () => {
    const hints = emptyHints();
    readOpenApi(hints, 'openapi: 3.0.0\npaths:\n  /v2/ops/{id}:\n    post:\n      summary: Charge the customer card and capture the payment\n', 'openapi.yaml');
    readCodeowners(hints, '# owners\n/services/svc-a/ @acme/payments-team\n');
    expect(ownersOf(hints, 'svc-a')).toEqual(['@acme/payments-team']);
    const plain = await assess([{ service: 'svc-a', endpoint: '/v2/ops/{id}' }]);
    const told = await assess([{ service: 'svc-a', endpoint: '/v2/ops/{id}' }], hints);
    expect(told.get(endpointKey({ service: 'svc-a', endpoint: '/v2/ops/{id}' }))!.label).toBe('critical');
    expect(plain.get(endpointKey({ service: 'svc-a', endpoint: '/v2/ops/{id}' }))!.label).not.toBe('critical');
  });

  it('lets the config extend the catalog', async () => {
    const s = CriticalitySettings.parse({ exemplars: [{ service: 'telescope', route: '/observations/{id}/calibrate', method: 'POST', label: 'critical' }] });
    const out = await assess([{ service: 'telescope', endpoint: '/observations/{id}/calibrate' }], emptyHints(), s);
    expect(out.get(endpointKey({ service: 'telescope', endpoint: '/observations/{id}/calibrate' }))!.label).toBe('critical');
  });

  it('survives hostile repository files', () => {
    const hints = emptyHints();
    readCatalogInfo(hints, 'a: &a [*a, *a]\n: : :', 'catalog-info.yaml');
    readOpenApi(hints, '{"paths": {"/x": {"get": {"summary": 5, "tags": [1, "t"]}}}}', 'openapi.json');
    readOpenApi(hints, 'x'.repeat(3 * 1024 * 1024), 'big.yaml');
    expect(hints.problems.some((p) => p.startsWith('big.yaml: larger than'))).toBe(true);
    expect(hints.operations.get('GET /x')).toEqual({ method: 'GET', route: '/x', tags: ['t'] });
  });

  it('maps tier words, picks variants by label and service, and orders rows critical first', () => {
    expect(['Tier 1', 'tier-0', 'mission critical', 'P0'].map(labelFromWord)).toEqual(['critical', 'critical', 'critical', 'critical']);
    expect(['tier3', 'best effort', 'bronze'].map(labelFromWord)).toEqual(['low', 'low', 'low']);
    expect(labelFromWord('banana')).toBeUndefined();
    const p = { byLabel: { critical: 'conservative' as const }, byService: { checkout: 'aggressive' as const }, fallback: 'balanced' as const };
    expect(variantFor('payments', 'critical', p)).toBe('conservative');
    expect(variantFor('checkout', 'critical', p)).toBe('aggressive');
    expect(variantFor('reports', 'low', p)).toBe('balanced');
    const rows = [{ id: 1, criticality: { label: 'low' as const } }, { id: 2 }, { id: 3, criticality: { label: 'critical' as const } }, { id: 4, criticality: { label: 'low' as const } }];
    expect(byCriticality(rows).map((r) => r.id)).toEqual([3, 1, 4, 2]);
  });

  it('rejects malformed catalog entries with the file and the fix', () => {
    expect(() => parseExemplars('critical:\n  - payments /v1/charges\n', 'x.yaml')).toThrow(/x\.yaml: critical\.0: write "service METHOD \/route"/);
  });
});
