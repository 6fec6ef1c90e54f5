import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration tests share one PostgreSQL and one Redis; each test file uses its own schema / key prefix.
    pool: 'forks',
    // The analysis's compute pool runs in process (the same tasks; test/compute starts real threads).
    env: { SLO_SCOUT_COMPUTE_THREADS: '0' },
    maxWorkers: 2,
    // Builds the details pages (dist/web) when missing or stale, before the browser tests run.
    globalSetup: ['test/helpers/build-web.ts'],
  },
});
