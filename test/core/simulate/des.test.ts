import { describe, expect, it } from 'vitest';
import { desGrid } from './des-grid.js';

describe('the M/M/c latency model against a discrete-event simulation', () => {
  it('projects sojourn quantiles and shares over the SLO threshold inside the 99% DES interval in >= 90% of scenarios', { timeout: 60_000 }, () => {
    const { scenarios, inside, misses } = desGrid();
    // The share is printed so the closing note can quote it (bench/simulate.ts prints it too).
    console.log(`DES grid: ${inside}/${scenarios} scenarios inside (${((inside / scenarios) * 100).toFixed(1)}%)${misses.length ? `\n  ${misses.join('\n  ')}` : ''}`);
    expect(scenarios).toBe(30);
    expect(inside / scenarios).toBeGreaterThanOrEqual(0.9);
  });
});
