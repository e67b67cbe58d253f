import type { EventBus } from './bus.ts';
import { createInProcessBus, type InProcessBusOptions } from './in-process.ts';
import { connectNatsBus, type NatsBusOptions } from './nats.ts';

/**
 * The bus the product runs on: NATS JetStream when `natsUrl` (default `NATS_URL`) is set,
 * otherwise the in-process bus. The caller announces which one it got (`bus.describe()`),
 * as PRODUCT.md asks. Credentials may sit in the URL (`nats://user:pass@host:4222`) or in
 * `NATS_USER` / `NATS_PASSWORD`.
 */
export async function openBus(
  natsUrl: string | undefined = process.env.NATS_URL,
  options: Omit<NatsBusOptions, 'servers'> & { inProcess?: InProcessBusOptions } = {},
): Promise<EventBus> {
  if (natsUrl === undefined || natsUrl.trim() === '') return createInProcessBus(options.inProcess);
  const { inProcess: _ignored, ...nats } = options;
  const user = nats.user ?? process.env.NATS_USER;
  const pass = nats.pass ?? process.env.NATS_PASSWORD;
  return connectNatsBus({ ...nats, servers: natsUrl, ...(user !== undefined ? { user } : {}), ...(pass !== undefined ? { pass } : {}) });
}
