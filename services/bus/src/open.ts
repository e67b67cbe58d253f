import type { EventBus } from './bus.ts';
import { createInProcessBus, type InProcessBusOptions } from './in-process.ts';
import { connectNatsBus, type NatsBusOptions } from './nats.ts';

/**
 * The bus the product runs on: NATS JetStream when `natsUrl` (default `NATS_URL`) is set,
 * otherwise the in-process bus. The caller announces which one it got (`bus.describe()`),
 * as PRODUCT.md asks. Credentials may sit in the URL (`nats://user:pass@host:4222`) or in
 * `NATS_USER` / `NATS_PASSWORD`; `NATS_STREAM_REPLICAS` sets the streams' replicas (3 on a cluster);
 * `NATS_TLS_CA` names the CA file to trust when the servers use TLS with a private CA.
 */
export async function openBus(
  natsUrl: string | undefined = process.env.NATS_URL,
  options: Omit<NatsBusOptions, 'servers'> & { inProcess?: InProcessBusOptions } = {},
): Promise<EventBus> {
  if (natsUrl === undefined || natsUrl.trim() === '') return createInProcessBus(options.inProcess);
  const { inProcess: _ignored, ...nats } = options;
  const fromUrl = credentialsInUrl(natsUrl);
  const user = nats.user ?? fromUrl.user ?? process.env.NATS_USER;
  const pass = nats.pass ?? fromUrl.pass ?? process.env.NATS_PASSWORD;
  // on the 3-node cluster (infra/compose/nats-cluster.yml) streams keep 3 replicas
  const replicas = Number(process.env.NATS_STREAM_REPLICAS ?? '');
  const streams = nats.streams ?? (Number.isInteger(replicas) && replicas > 0 ? { replicas } : undefined);
  const tlsCaFile = nats.tlsCaFile ?? (process.env.NATS_TLS_CA || undefined);
  return connectNatsBus({
    ...nats,
    servers: fromUrl.servers,
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(streams ? { streams } : {}),
    ...(tlsCaFile !== undefined ? { tlsCaFile } : {}),
  });
}

/** Takes `user:pass@` out of the server URLs (the client wants them as options). */
function credentialsInUrl(natsUrl: string): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = natsUrl
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((server) => {
      const m = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(server);
      if (!m) return server;
      const [name, password] = m[2]!.split(':');
      user ??= decodeURIComponent(name ?? '');
      if (password !== undefined) pass ??= decodeURIComponent(password);
      return `${m[1]}${m[3]}`;
    });
  return { servers, ...(user ? { user } : {}), ...(pass !== undefined ? { pass } : {}) };
}
