import { afterAll, describe, it } from 'vitest';
import { getEventStoreDBEventStore } from '../src/index.ts';
import { describeEventStoreContract } from './contract.ts';

/**
 * EventStoreDB runs the same contract suite. It uses ESDB_URL when set (e.g.
 * `esdb://localhost:2113?tls=false`), else starts `eventstore/eventstore:24.10` with
 * testcontainers when a Docker engine answers, else reports itself skipped and why.
 */
const target = await resolveServer();

if (target.url) {
  const url = target.url;
  afterAll(async () => {
    await target.stop?.();
  });
  describeEventStoreContract('esdb', () => getEventStoreDBEventStore({ connectionString: url }));
} else {
  const reason = `EventStoreDB contract suite skipped: ${target.why}`;
  console.warn(reason);
  describe('EventStore contract: esdb', () => {
    it.skip(reason, () => {});
  });
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
