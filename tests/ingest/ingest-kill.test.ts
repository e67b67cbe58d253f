import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { ingestUser, natsConfig, tempDir, waitFor, workStarted } from './helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const worker = join(root, 'services/ingest/src/worker-main.ts');

describe.skipIf(!natsServerAvailable())('an ingest worker killed with SIGKILL mid-batch', () => {
  let nats: NatsServerHandle;
  let dir: ReturnType<typeof tempDir>;
  let bus: NatsBus;
  let store: EventStore;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    nats = await startNatsServer({ config: natsConfig() });
    dir = tempDir();
    bus = await connectNatsBus({ servers: nats.url, ...ingestUser });
    store = getSQLiteEventStore({ path: join(dir.path, 'journeys.db') });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await bus.close();
    await store.close();
    await nats.stop();
    dir.remove();
  });

  const startWorker = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker], {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: nats.url,
        NATS_USER: ingestUser.user,
        NATS_PASSWORD: ingestUser.pass,
        JOURNEY_STORE: `sqlite:${join(dir.path, 'journeys.db')}`,
        INGEST_ACK_WAIT_MS: '1500',
        INGEST_BATCH: '100',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    children.push(child);
    return { child, stderr: () => stderr };
  };

  it('loses nothing and duplicates nothing once a new worker takes over', async () => {
    // Given 6 000 events waiting on the bus
    const events = Array.from({ length: 6000 }, (_, i) => workStarted(`claim-${i % 300}`, 'Intake'));
    for (let i = 0; i < events.length; i += 1000) {
      const results = await bus.publish(events.slice(i, i + 1000));
      expect(results.every((r) => r.ok)).toBe(true);
    }

    // When a worker is SIGKILLed while it is appending
    const first = startWorker();
    await waitFor('the first worker to be under way', async () => (await store.eventsAfter(0, { atMost: 1000 })) >= 1000, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${first.stderr()}`);
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const atKill = await store.eventsAfter(0);
    expect(atKill).toBeLessThan(events.length); // it really died mid-way

    // and another worker starts on the same durable consumer
    const second = startWorker();
    await waitFor('every event stored', async () => (await store.eventsAfter(0)) >= events.length, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.stderr()}`);
    });
    // give redeliveries of the killed worker's un-acked batch time to arrive and be ignored
    await new Promise((r) => setTimeout(r, 2500));
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    // Then the store holds each event exactly once and nothing was dead-lettered
    const ids: string[] = [];
    for await (const e of store.readAll()) ids.push(e.event.id);
    expect(ids).toHaveLength(events.length);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    expect(await bus.deadLetters()).toEqual([]);
    expect((await store.verify()).ok).toBe(true);
  });
});
