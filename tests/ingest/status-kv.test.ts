import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { CustomerStatusSchema, type CustomerStatus, type JourneyEvent } from '@journeys/contracts';
import { connectNatsBus, journeyIdOfStatusKey, openStatusBucket, startStatusKvPublisher, statusKey, type NatsBus, type StatusKvPublisher } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { createProjectionRunner, type ProjectionRunner } from '@journeys/projections';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { ingestUser, natsConfig, tempDir, waitFor } from './helpers.ts';

const ev = (journeyId: string, type: string, department: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): JourneyEvent =>
  ({ id: uuidv7(), type, journeyId, department, occurredAt: new Date().toISOString(), schemaVersion: 1, data, ...extra }) as JourneyEvent;

describe('journey ids as KV keys', () => {
  it('keeps ordinary ids readable and maps any id one to one onto a NATS-safe key', () => {
    expect(statusKey('claim-123_A')).toBe('claim-123_A');
    for (const id of ['claim 7/ü.x', 'a.b', '=41', '*>', 'ключ', '🙂']) {
      const key = statusKey(id);
      expect(key).toMatch(/^[A-Za-z0-9_=-]+$/);
      expect(journeyIdOfStatusKey(key)).toBe(id);
    }
    expect(statusKey('=41')).not.toBe(statusKey('A'));
  });
});

describe.skipIf(!natsServerAvailable())('customer statuses in the JOURNEY_STATUS KV bucket', () => {
  let nats: NatsServerHandle;
  let dir: ReturnType<typeof tempDir>;
  let store: EventStore;
  let bus: NatsBus;
  let runner: ProjectionRunner;
  let publisher: StatusKvPublisher | undefined;

  beforeEach(async () => {
    nats = await startNatsServer({ config: natsConfig() });
    dir = tempDir('journeys-status-kv-');
    store = getSQLiteEventStore({ path: join(dir.path, 'journeys.db') });
    bus = await connectNatsBus({ servers: nats.url, ...ingestUser });
    runner = createProjectionRunner({ store });
    await runner.start();
  });

  afterEach(async () => {
    await publisher?.stop();
    publisher = undefined;
    await runner.stop();
    await bus.close();
    await store.close();
    await nats.stop();
    dir.remove();
  });

  const read = async (journeyId: string): Promise<{ value: unknown; revision: number } | undefined> => {
    const kv = await openStatusBucket(bus.connection);
    const entry = await kv.get(statusKey(journeyId));
    if (!entry || entry.operation !== 'PUT') return undefined;
    return { value: entry.json(), revision: entry.revision };
  };

  it('puts each changed status under the journey key, with the API content and nothing internal', async () => {
    // Given the publisher running beside the projections (the bucket does not exist yet)
    publisher = await startStatusKvPublisher({ connection: bus.connection, queries: runner.queries, replicas: 1 });
    // and a second one starting on the same bucket (another serve process): both open it
    const other = await startStatusKvPublisher({ connection: bus.connection, queries: runner.queries });
    await other.stop();
    const journeyId = 'claim 7/ü';

    // When a journey starts, is handed over with an internal reason by a named employee
    await store.append(`journey-${journeyId}`, [
      ev(journeyId, 'JourneyStarted', 'Intake', { journeyType: 'claim', channel: 'web', customerRef: 'CUST-SECRET-9' }, { actor: 'alice.internal' }),
      ev(journeyId, 'WorkStarted', 'Intake', { activity: 'Check documents' }, { actor: 'alice.internal' }),
      ev(journeyId, 'HandoffRequested', 'Intake', { toDepartment: 'Billing', reason: 'fraud suspicion (internal)' }, { actor: 'alice.internal' }),
    ]);

    // Then the bucket holds exactly what the API would serve for it
    await waitFor('the status in the bucket', async () => (await read(journeyId)) !== undefined);
    await publisher.flushed();
    const expected = runner.queries.customerStatus(journeyId)!;
    const first = (await read(journeyId))!;
    expect(first.value).toEqual(expected);
    expect(CustomerStatusSchema.strict().parse(first.value)).toEqual(expected);
    const text = JSON.stringify(first.value);
    for (const internal of ['alice.internal', 'fraud suspicion', 'CUST-SECRET-9']) expect(text).not.toContain(internal);

    // When the journey moves on
    await store.append(`journey-${journeyId}`, [
      ev(journeyId, 'WorkCompleted', 'Billing', { activity: 'Invoice', outcome: 'paid' }),
      ev(journeyId, 'JourneyCompleted', 'Billing', { outcome: 'resolved' }),
    ]);
    // Then the key is updated to the new status, and the bucket keeps only the latest (history 1)
    await waitFor('the completed status', async () => ((await read(journeyId))?.value as CustomerStatus | undefined)?.state === 'completed');
    await publisher.flushed();
    expect((await read(journeyId))!.value).toEqual(runner.queries.customerStatus(journeyId));
    const kv = await openStatusBucket(bus.connection);
    const status = await kv.status();
    expect(status.history).toBe(1);
    const history = [];
    for await (const e of await kv.history({ key: statusKey(journeyId) })) history.push(e);
    expect(history).toHaveLength(1);
  });
});
