import { describe, expect, it } from 'vitest';
import { aiEnvFrom, aiRecommend, createAiLayer, emptyHints, readCatalogInfo } from '../../app/ai/index.js';
import { AiSettings } from '../../app/config/ai.js';
import { fleetHistories } from '../../app/core/fleet/index.js';
import { LABEL_RANK } from '../../app/core/criticality/index.js';
import { recommend } from '../../app/core/recommend/index.js';
import { silentLogger } from '../../app/logger.js';

const DAY = 86_400;
const end = Date.UTC(2026, 10, 30) / 1000;
const histories = fleetHistories({ seed: 1, end, days: 28, stepSeconds: 3600 }, { breachWindowSeconds: DAY });
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, bootstrapDraws: 300 };

describe('recommend with the AI layer', () => {
  it('labels the demo fleet, selects conservative for critical endpoints, orders rows critical first and borrows for thin ones', async () => {
    const ai = await createAiLayer({ settings: AiSettings.parse({}), env: {}, logger: silentLogger });
    const r = await aiRecommend(histories, options, ai, silentLogger);
    const plain = recommend(histories, options);
    expect(r.proposals).toHaveLength(plain.proposals.length);
    const charge = r.proposals.find((p) => p.service === 'payments' && p.endpoint === '/charge')!;
    expect(charge.criticality).toMatchObject({ label: 'critical', source: 'exemplars' });
    expect(charge.criticality!.reason).toMatch(/^like .+ \(\d\.\d\d\)$/);
    expect(charge.selectedVariant).toBe('conservative');
    const report = r.proposals.find((p) => p.service === 'legacy-reports')!;
    expect(report.criticality!.label).toBe('low');
    expect(report.selectedVariant).toBe('balanced');
    const ranks = r.proposals.map((p) => LABEL_RANK[p.criticality!.label]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // /v2/suggest launched five days before the end: it borrows. legacy-reports is thin too, but
    // nothing in this fleet is similar enough to lend to it.
    const borrowed = r.proposals.filter((p) => p.borrowed);
    expect(borrowed.map((p) => p.endpoint)).toEqual(['/v2/suggest', '/v2/suggest']);
    expect(borrowed[0]!.borrowed!.because).toMatch(/^new \(\d+ of 28 windows\)/);
    expect(r.proposals.find((p) => p.service === 'legacy-reports')!.borrowed).toBeUndefined();
  });

  it('follows per-service pins and catalog-info tiers, and can be switched off', async () => {
    const hints = emptyHints();
    readCatalogInfo(hints, 'kind: Component\nmetadata: { name: search, annotations: { slo-scout.io/criticality: critical } }\n', 'catalog-info.yaml');
    const settings = AiSettings.parse({ criticality: { services: { payments: { variant: 'aggressive' } }, variants: { critical: 'conservative', low: 'aggressive' } }, borrowPriors: false });
    const ai = await createAiLayer({ settings, env: {}, logger: silentLogger, hints });
    const r = await aiRecommend(histories, options, ai, silentLogger);
    expect(r.proposals.find((p) => p.service === 'payments')!.selectedVariant).toBe('aggressive');
    expect(r.proposals.find((p) => p.service === 'search')!).toMatchObject({ selectedVariant: 'conservative', criticality: { label: 'critical', source: 'catalog-info' } });
    expect(r.proposals.find((p) => p.service === 'legacy-reports')!.selectedVariant).toBe('aggressive');
    expect(r.proposals.some((p) => p.borrowed)).toBe(false);
    const off = await createAiLayer({ settings: AiSettings.parse({ criticality: { enabled: false }, borrowPriors: false }), env: {}, logger: silentLogger });
    const o = await aiRecommend(histories, options, off, silentLogger);
    expect(o.proposals.map((p) => p.selectedVariant)).toEqual(recommend(histories, options).proposals.map((p) => p.selectedVariant));
  });

  it('reads only its own variables from the environment and rejects bad values by name', () => {
    expect(aiEnvFrom({ SLO_SCOUT_EMBEDDINGS: 'local', PATH: '/bin', OPENAI_API_KEY: '' })).toEqual({ SLO_SCOUT_EMBEDDINGS: 'local', SLO_SCOUT_ALLOW_REMOTE_MODELS: 'false', OPENAI_BASE_URL: 'https://api.openai.com/v1' });
    expect(() => aiEnvFrom({ SLO_SCOUT_EMBEDDINGS: 'gpt' })).toThrow(/SLO_SCOUT_EMBEDDINGS/);
  });
});
