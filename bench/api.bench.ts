/**
 * `pnpm bench api [--quick]`: GET /api/journeys/:id/status under autocannon with 10 000
 * journeys loaded, beside a plain Express route in the same run. The bench itself lives in
 * services/api/bench/api-bench.ts, where its dependencies (express, pino, autocannon) resolve.
 */
await import('../services/api/bench/api-bench.ts');
