import { afterAll, describe, expect, it } from 'vitest';
import { EventStoreError, WrongExpectedRevisionError, getEventStoreDBEventStore, type EventStore } from '../src/index.ts';
import { describeEventStoreContract } from './contract.ts';
import { many, uniquePrefix } from './fixtures.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

/**
 * EventStoreDB runs the same contract suite. It uses ESDB_URL when set (e.g.
 * `esdb://localhost:2113?tls=false`), else starts `eventstore/eventstore:24.10` with
 * testcontainers when a Docker engine answers, else reports itself skipped and why.
 */
const target = await resolveServer();

if (target.url) {
  const url = target.url;
  // Every store of the suite connects through a loopback proxy, so an outage is a real cut network.
  const server = new URL(url.replace(/^esdb(\+discover)?:/, 'http:'));
  const proxy = await startTcpProxy(server.hostname, Number(server.port || 2113));
  const viaProxy = (extra = '') => `esdb://127.0.0.1:${proxy.port}${server.search || '?tls=false'}${extra}`;
  const open = (connectionString = viaProxy()): EventStore =>
    getEventStoreDBEventStore({ connectionString, readTimeoutMs: 10_000, resume: { minDelayMs: 50, maxDelayMs: 1000 } });
  afterAll(async () => {
    await proxy.close();
    await target.stop?.();
  });
  await waitUntilWritable(open);
  describeEventStoreContract('esdb', () => open(), {
    outage: () => {
      proxy.cut();
      return Promise.resolve(() => {
        proxy.restore();
        return Promise.resolve();
      });
    },
  });
  describeEsdbOnly(open, viaProxy);
} else {
  const reason = `EventStoreDB contract suite skipped: ${target.why}`;
  console.warn(reason);
  describe('EventStore contract: esdb', () => {
    it.skip(reason, () => {});
  });
}

/** The review's §3.4, §3.5: what only a real server can show (soft delete, throwOnAppendFailure=false, node preference). */
function describeEsdbOnly(open: (cs?: string) => EventStore, viaProxy: (extra?: string) => string): void {
  describe('EventStoreDB adapter against the server', () => {
    it('refuses to append to a soft-deleted stream instead of linking from revision 0 (the server continues at N+1)', async () => {
      const store = open();
      const { EventStoreDBClient } = await import('@eventstore/db-client');
      const raw = EventStoreDBClient.connectionString(viaProxy());
      try {
        const stream = `${uniquePrefix()}journey-sd`;
        await store.append(stream, many('sd', 3));
        await raw.deleteStream(stream);
        const err = await store.append(stream, many('sd', 1)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(EventStoreError);
        expect((err as Error).message).toMatch(/deleted or truncated/);
        expect((await store.verify()).ok).toBe(true);
      } finally {
        await raw.dispose();
        await store.close();
      }
    });

    it('with throwOnAppendFailure=false a lost race is still a conflict, never a write reported that did not happen', async () => {
      const store = open(viaProxy('&throwOnAppendFailure=false'));
      try {
        const stream = `${uniquePrefix()}journey-taf`;
        await store.append(stream, many('taf', 1));
        const outcomes = await Promise.allSettled([
          store.append(stream, many('taf', 1), { expectedRevision: 0 }),
          store.append(stream, many('taf', 1), { expectedRevision: 0 }),
        ]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        const read = await store.readStream(stream);
        expect(read).toHaveLength(2);
        for (const o of outcomes) if (o.status === 'fulfilled') expect(o.value.position).toBe(read[1]!.position);
      } finally {
        await store.close();
      }
    });

    it('with nodePreference=follower the append path still reads its own writes (requiresLeader)', async () => {
      const store = open(viaProxy('&nodePreference=follower'));
      try {
        const stream = `${uniquePrefix()}journey-np`;
        const first = await store.append(stream, many('np', 2));
        const second = await store.append(stream, many('np', 1), { expectedRevision: first.nextExpectedRevision });
        expect(second.position).toBeGreaterThan(first.position);
        expect(second.events[0]!.position).toBe((await store.readStream(stream))[2]!.position);
      } finally {
        await store.close();
      }
    });
  });
}

/** `/health/live` answers before the single node has elected itself leader (review §5.6): probe with a write. */
async function waitUntilWritable(open: () => EventStore): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const store = open();
    try {
      await store.append(`${uniquePrefix('probe')}journey-probe`, many('probe', 1));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await store.close();
    }
  }
}

async function resolveServer(): Promise<{ url?: string; stop?: () => Promise<void>; why?: string }> {
  if (process.env.ESDB_URL) return { url: process.env.ESDB_URL };
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (err) {
    return { why: `no Docker engine reachable and ESDB_URL not set (${firstLine(err)})` };
  }
  const container = await new GenericContainer('eventstore/eventstore:24.10')
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_CLUSTER_SIZE: '1',
      EVENTSTORE_RUN_PROJECTIONS: 'All',
      EVENTSTORE_MEM_DB: 'true',
      // The contract appends 10 000 events (~3.1 MB of data + metadata) atomically; the default
      // limit is 1 MiB. Not 16 MiB: the server refuses to start when MaxAppendSize exceeds
      // TFConsts.EffectiveMaxLogRecordSize (16 MiB - 10 000 bytes), see ClusterVNodeOptionsValidator.
      EVENTSTORE_MAX_APPEND_SIZE: String(8 * 1024 * 1024),
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .withStartupTimeout(120_000)
    .start();
  return {
    url: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
    stop: async () => {
      await container.stop();
    },
  };
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
