import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['contracts/**/*.test.ts', 'services/**/*.test.ts', 'projections/**/*.test.ts', 'tests/**/*.test.ts', 'journey-viewer/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start real nats-server, SQLite files, HTTP servers and Chromium: on two cores,
    // running more than two files at once only makes each of them flaky.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
