/**
 * A real Journeys runtime in this process (SQLite in a temp dir, in-process bus unless
 * NATS_URL is given, ingest, projections, API on 127.0.0.1:0), with the knobs the
 * reliability suites need: rate limits and the logger.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { RateLimits } from '@journeys/api';
import type { Role } from '@journeys/contracts';
import { loadConfig } from '../../../services/cli/src/config.ts';
import { startRuntime, type Runtime } from '../../../services/cli/src/runtime.ts';

export interface TestServer {
  rt: Runtime;
  url: string;
  token(role: Role, journeyId?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(options: { rateLimits?: RateLimits; logger?: Logger; env?: Record<string, string> } = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'journeys-rel-'));
  const config = loadConfig({
    JOURNEY_STORE: `sqlite:${join(dir, 'journeys.db')}`,
    JOURNEY_AUTH_SECRET: randomBytes(32).toString('base64url'),
    PORT: '0',
    HOST: '127.0.0.1',
    ...options.env,
  });
  const rt = await startRuntime({
    config,
    logger: options.logger ?? pino({ level: 'silent' }),
    announce: () => {},
    readStore: false,
    ...(options.rateLimits ? { app: { rateLimits: options.rateLimits } } : {}),
  });
  return {
    rt,
    url: rt.url,
    token: (role, journeyId) => rt.auth.sign({ role, ...(journeyId !== undefined ? { journeyId } : {}) }),
    async close() {
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
