import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { JourneyEvent } from '@journeys/contracts';
import { BusBackpressureError, BusUnavailableError, connectNatsBus, openBus, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { createEmitter, EmitRejectedError, type EmitInput } from '@journeys/emitter';
import { startIngest, type IngestHandle } from '@journeys/ingest';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { ingestUser, natsConfig, PASSWORDS, tempDir, waitFor, workStarted } from './helpers.ts';
import { withOutage } from '../support/store-outage.ts';

const quiet = pino({ level: 'silent' });

async function storedIds(store: EventStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.readAll()) ids.push(e.event.id);
  return ids;
}

describe.skipIf(!natsServerAvailable())('ingest over NATS JetStream', () => {
  let nats: NatsServerHandle;
  let dir: ReturnType<typeof tempDir>;
  let store: EventStore;
  let bus: NatsBus;
  let ingest: IngestHandle | undefined;
  const closers: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    nats = await startNatsServer({ config: natsConfig() });
    dir = tempDir();
    store = getSQLiteEventStore({ path: join(dir.path, 'journeys.db') });
    bus = await connectNatsBus({ servers: nats.url, ...ingestUser });
  });

  afterEach(async () => {
    await ingest?.stop();
    ingest = undefined;
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await bus.close();
    await store.close();
    await nats.stop();
    dir.remove();
  });

  const start = async (metrics?: Registry) => {
    ingest = await startIngest({ bus, store, logger: quiet, ...(metrics ? { metrics } : {}), consumer: { ackWaitMs: 2000 } });
    return ingest;
  };

  it('stores 10 000 events once each although 5% are published again and some retried past the bus window', async () => {
    // Given two departments emitting with their own NATS users, and ingest running
    const metrics = new Registry();
    const handle = await start(metrics);
    const intake = createEmitter({ department: 'Intake', servers: nats.url, user: 'intake', pass: PASSWORDS.intake });
    const billing = createEmitter({ department: 'Billing', servers: nats.url, user: 'billing', pass: PASSWORDS.billing });
    closers.push(() => intake.close(), () => billing.close());

    // When 10 000 distinct events are emitted over 500 journeys
    const inputs: EmitInput[] = Array.from({ length: 10_000 }, (_, i) => ({
      type: 'WorkStarted',
      journeyId: `claim-${i % 500}`,
      data: { activity: `step ${i}` },
    }));
    const sent: JourneyEvent[] = [];
    for (let i = 0; i < inputs.length; i += 500) {
      const chunk = inputs.slice(i, i + 500);
      const half = chunk.length / 2;
      const [a, b] = await Promise.all([intake.emitMany(chunk.slice(0, half)), billing.emitMany(chunk.slice(half))]);
      sent.push(...a.map((r) => r.event), ...b.map((r) => r.event));
    }
    // and 5% of them again: 300 re-emitted with the same id (the bus's duplicate window),
    // 200 republished without Nats-Msg-Id (as after the window: only the store can tell)
    const again = sent.filter((_, i) => i % 20 === 0);
    const reEmitted = await Promise.all(
      again.slice(0, 300).map((e) => (e.department === 'Intake' ? intake : billing).emit({ ...(e as EmitInput), id: e.id, occurredAt: e.occurredAt })),
    );
    expect(reEmitted.every((r) => r.duplicate)).toBe(true);
    for (const e of again.slice(300)) {
      const r = await bus.publishRaw(`journey.events.${e.department.toLowerCase()}.${e.type}`, JSON.stringify(e));
      expect(r.ok).toBe(true);
    }

    // Then the store holds each of the 10 000 once, and ingest counted the duplicates
    await waitFor('every event appended', () => handle.counters.appended >= 10_000 && handle.counters.duplicates >= 200, 90_000);
    const ids = await storedIds(store);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids)).toEqual(new Set(sent.map((e) => e.id)));
    expect(handle.counters.deadLettered).toBe(0);
    const text = await metrics.metrics();
    expect(text).toMatch(/journeys_ingest_events_total\{outcome="appended"\} 10000/);
    expect(text).toMatch(/journeys_ingest_events_total\{outcome="duplicate"\} 200/);
    expect(text).toContain('journeys_ingest_batch_seconds_count');
  });

  it('dead-letters every invalid message with its reason and the original payload, and stores the valid ones', async () => {
    const handle = await start();
    const valid = workStarted('claim-1', 'Intake');
    const future = new Date(Date.now() + 3600_000).toISOString();
    const cases: Array<[string, string, string]> = [
      ['invalid_json', 'journey.events.intake.WorkStarted', '{"id": nope'],
      ['invalid_event', 'journey.events.intake.WorkStarted', JSON.stringify({ ...workStarted('claim-1', 'Intake'), data: {} })],
      ['department_mismatch', 'journey.events.intake.WorkStarted', JSON.stringify(workStarted('claim-1', 'Billing'))],
      ['type_mismatch', 'journey.events.intake.WorkCompleted', JSON.stringify(workStarted('claim-1', 'Intake'))],
      ['implausible_time', 'journey.events.intake.WorkStarted', JSON.stringify(workStarted('claim-1', 'Intake', { occurredAt: future }))],
      ['implausible_time', 'journey.events.intake.WorkStarted', JSON.stringify(workStarted('claim-1', 'Intake', { occurredAt: '1969-12-31T23:59:59Z' }))],
      ['invalid_subject', 'journey.events.intake', JSON.stringify(workStarted('claim-1', 'Intake'))],
    ];
    for (const [, subject, payload] of cases) expect((await bus.publishRaw(subject, payload)).ok).toBe(true);
    const mismatched = workStarted('claim-1', 'Intake');
    expect((await bus.publishRaw('journey.events.intake.WorkStarted', JSON.stringify(mismatched), { msgId: 'another-id' })).ok).toBe(true);
    expect((await bus.publish([valid]))[0]).toMatchObject({ ok: true, duplicate: false });

    await waitFor('all handled', () => handle.counters.deadLettered + handle.counters.appended >= cases.length + 2);
    const letters = await bus.deadLetters();
    expect(letters.map((l) => l.reason).sort()).toEqual([...cases.map(([r]) => r), 'msg_id_mismatch'].sort());
    for (const [reason, subject, payload] of cases) {
      const letter = letters.find((l) => l.reason === reason && l.payload === payload);
      expect(letter, reason).toBeDefined();
      expect(letter!.subject).toBe(subject);
      expect(letter!.problems.length).toBeGreaterThan(0);
      expect(letter!.dlqSubject).toBe('journey.dlq.intake');
    }
    expect(letters.find((l) => l.reason === 'invalid_event')!.problems.map((p) => p.path)).toContain('data.activity');
    expect(letters.find((l) => l.reason === 'department_mismatch')!.detail).toMatch(/Billing/);
    expect((await bus.deadLetters({ department: 'Intake' })).length).toBe(letters.length);
    expect(await storedIds(store)).toEqual([valid.id]);
  });

  it('refuses, at the server, a department publishing under another department\'s subject', async () => {
    // Given billing's user
    const billingBus = await connectNatsBus({ servers: nats.url, user: 'billing', pass: PASSWORDS.billing, manageStreams: false, inboxPrefix: '_INBOX_billing' });
    closers.push(() => billingBus.close());
    // When it publishes an intake event on intake's subject
    const [result] = await billingBus.publish([workStarted('claim-2', 'Intake')], { timeoutMs: 3000 });
    // Then the server refuses it (permissions violation), and an emitter says so plainly
    expect(result).toMatchObject({ ok: false, error: { code: 'rejected' } });
    expect(result!.error!.message).toMatch(/permission/i);
    const impostor = createEmitter({ department: 'Intake', servers: nats.url, user: 'billing', pass: PASSWORDS.billing, attemptTimeoutMs: 3000 });
    closers.push(() => impostor.close());
    await expect(impostor.workStarted('claim-2', { activity: 'x' })).rejects.toBeInstanceOf(EmitRejectedError);
    // while its own subject works
    const [own] = await billingBus.publish([workStarted('claim-2', 'Billing')]);
    expect(own).toMatchObject({ ok: true });
  });

  it('loses nothing when nats-server restarts during publishing, and reports back-pressure when the buffer is full', async () => {
    const handle = await start();
    const emitter = createEmitter({ department: 'V5 3rd', servers: nats.url, user: 'v5-3rd', pass: PASSWORDS['v5-3rd'], attemptTimeoutMs: 1000, maxPending: 400 });
    closers.push(() => emitter.close());
    await emitter.ready();

    // While 40 batches of 50 are being emitted, the server goes away for a moment
    const emitted: Promise<unknown>[] = [];
    const ids: string[] = [];
    let refused = 0;
    const batches = 40;
    let restarted: Promise<void> | undefined;
    for (let b = 0; b < batches; b++) {
      const batch: EmitInput[] = Array.from({ length: 50 }, (_, i) => ({ type: 'WorkCompleted', journeyId: `case-${(b * 50 + i) % 97}`, data: { activity: 'review' } }));
      const p = emitter.emitMany(batch).then(
        (rs) => ids.push(...rs.map((r) => r.id)),
        (err: unknown) => {
          // the bounded buffer refuses at once instead of growing: nothing of that batch was sent
          if (err instanceof BusBackpressureError) refused++;
          else throw err;
        },
      );
      emitted.push(p);
      if (b === 10) restarted = nats.restart({ downMs: 700 });
      await new Promise((r) => setTimeout(r, 20));
    }
    await restarted;
    await Promise.all(emitted);
    expect(refused).toBeGreaterThan(0); // 400 pending at most while the server was away
    expect(ids.length).toBe((batches - refused) * 50);

    await waitFor('all acked events stored', async () => (await store.eventsAfter(0)) >= ids.length, 60_000);
    const stored = await storedIds(store);
    expect(stored).toHaveLength(ids.length);
    expect(new Set(stored)).toEqual(new Set(ids));
    expect(handle.counters.deadLettered).toBe(0);
  });

  it('naks through a store outage without losing anything, and dead-letters a message whose deliveries ran out', async () => {
    // Given a store that is down for everything at first, and for ever for journey "cursed"
    let down = true;
    const flaky = withOutage(store, (stream) => down || stream === 'journey-cursed');
    const handle = (ingest = await startIngest({ bus, store: flaky, logger: quiet, retryDelayMs: () => 100, consumer: { ackWaitMs: 1000, maxDeliver: 4 } }));
    const events = Array.from({ length: 50 }, (_, i) => workStarted(`claim-${i % 5}`, 'Intake'));
    await bus.publish(events);
    await waitFor('a failed append', () => handle.counters.storeFailures > 0);
    down = false;
    await waitFor('all stored', () => handle.counters.appended === 50);
    expect(new Set(await storedIds(store))).toEqual(new Set(events.map((e) => e.id)));

    // When an event can never be stored
    const cursed = workStarted('cursed', 'Intake');
    await bus.publish([cursed]);
    // Then on its next-to-last delivery (3 of 4: the count is on the message) ingest dead-letters it
    await waitFor('the dead letter', async () => (await bus.deadLetters()).length === 1, 30_000);
    const [letter] = await bus.deadLetters();
    expect(letter).toMatchObject({ reason: 'max_deliveries', eventId: cursed.id, dlqSubject: 'journey.dlq.intake', deliveries: 3 });
    expect((JSON.parse(letter!.payload) as { id: string }).id).toBe(cursed.id);
  });

  it('opens NATS when NATS_URL is given (credentials may sit in the URL) and the in-process bus when it is not', async () => {
    const url = nats.url.replace('nats://', `nats://ingest:${PASSWORDS.ingest}@`);
    const opened = await openBus(url);
    closers.push(() => opened.close());
    expect(opened.kind).toBe('nats');
    expect(opened.describe()).toMatch(/NATS JetStream/);
    expect((await opened.publish([workStarted('claim-3', 'Intake')]))[0]).toMatchObject({ ok: true });
    const local = await openBus('');
    expect(local.kind).toBe('in-process');
    expect(local.describe()).toMatch(/in-process/);
    await local.close();
  });

  it('lets an emitter that could not connect at first succeed once NATS is there', async () => {
    await bus.close();
    await nats.halt();
    const emitter = createEmitter({ department: 'Intake', servers: nats.url, user: 'intake', pass: PASSWORDS.intake });
    closers.push(() => emitter.close());
    await expect(emitter.workStarted('claim-4', { activity: 'x' })).rejects.toBeInstanceOf(BusUnavailableError);
    await nats.start();
    bus = await connectNatsBus({ servers: nats.url, ...ingestUser }); // (re)creates the streams
    const r = await emitter.workStarted('claim-4', { activity: 'x' });
    expect(r.duplicate).toBe(false);
  });

  it('shares the durable consumer between several ingest processes, each event stored once', async () => {
    // Given two ingest instances with their own connections on the same durable consumer
    const otherBus = await connectNatsBus({ servers: nats.url, ...ingestUser });
    closers.push(() => otherBus.close());
    const a = await start();
    const b = await startIngest({ bus: otherBus, store, logger: quiet, consumer: { ackWaitMs: 2000 } });
    closers.push(() => b.stop());
    // When 3 000 events arrive
    const events = Array.from({ length: 3000 }, (_, i) => workStarted(`claim-${i % 100}`, 'Billing'));
    for (let i = 0; i < events.length; i += 500) expect((await bus.publish(events.slice(i, i + 500))).every((r) => r.ok)).toBe(true);
    // Then both took part and the store holds each once
    await waitFor('all stored', async () => (await store.eventsAfter(0)) >= events.length);
    await waitFor('counters settled', () => a.counters.appended + b.counters.appended === events.length);
    expect(a.counters.received).toBeGreaterThan(0);
    expect(b.counters.received).toBeGreaterThan(0);
    const ids = await storedIds(store);
    expect(ids).toHaveLength(events.length);
    expect(new Set(ids).size).toBe(events.length);
  });
});
