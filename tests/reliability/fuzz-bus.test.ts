import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { startIngest, type IngestHandle } from '@journeys/ingest';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from '../support/nats.ts';
import { tempDir } from '../ingest/helpers.ts';
import { waitFor } from './support/checks.ts';

/**
 * Fuzzed payloads on a real JetStream bus: any bytes, any JSON, mutated events, on valid and
 * invalid subjects, with and without a Nats-Msg-Id. Expected: each message is either stored
 * (a valid event, once) or dead-lettered with a reason — none lost, none stored twice, and
 * the ingest worker never stops.
 */
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 60) * 10;
const TYPES = ['JourneyStarted', 'HandoffRequested', 'WorkStarted', 'WorkCompleted', 'CustomerWaitStarted', 'CustomerWaitEnded', 'CustomerNotified', 'JourneyCompleted'];

const validData: Record<string, object> = {
  JourneyStarted: { journeyType: 'claim', channel: 'web', customerRef: 'c-1' },
  HandoffRequested: { toDepartment: 'Billing' },
  WorkStarted: { activity: 'Check' },
  WorkCompleted: { activity: 'Check' },
  CustomerWaitStarted: { reason: 'documents' },
  CustomerWaitEnded: {},
  CustomerNotified: { channel: 'email' },
  JourneyCompleted: { outcome: 'resolved' },
};

interface Message {
  subject: string;
  payload: string | Uint8Array;
  /** The event id when the payload is meant to be a valid event on its own subject. */
  validId?: string;
  msgId?: string;
}

const field = fc.constantFrom('id', 'type', 'journeyId', 'department', 'occurredAt', 'schemaVersion', 'data', 'actor', 'unknownField');
const message: fc.Arbitrary<Message> = fc.oneof(
  // a valid event on its subject: must be stored
  { arbitrary: fc.constantFrom(...TYPES).map((type): Message => {
      const id = randomUUID();
      const event = { id, type, journeyId: `fb-${id.slice(0, 6)}`, department: 'Intake', occurredAt: '2026-03-02T10:00:00Z', schemaVersion: 1, data: validData[type] };
      return { subject: `journey.events.intake.${type}`, payload: JSON.stringify(event), validId: id, msgId: id };
    }), weight: 3 },
  // a mutated event on a valid subject: stored if still valid, else dead-lettered
  { arbitrary: fc.tuple(fc.constantFrom(...TYPES), fc.dictionary(field, fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 3 }), fc.boolean()).map(([type, over, withMsgId]): Message => {
      const id = randomUUID();
      const event = { id, type, journeyId: `fb-${id.slice(0, 6)}`, department: 'Intake', occurredAt: '2026-03-02T10:00:00Z', schemaVersion: 1, data: validData[type], ...over };
      return { subject: `journey.events.intake.${type}`, payload: JSON.stringify(event), ...(withMsgId ? { msgId: randomUUID() } : {}) };
    }), weight: 4 },
  // anything at all
  { arbitrary: fc.tuple(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'undefined'), fc.string({ maxLength: 200, unit: 'binary' })), fc.constantFrom('intake', 'billing', 'x')).map(([payload, slug]): Message => ({
      subject: `journey.events.${slug}.WorkStarted`,
      payload,
      msgId: randomUUID(),
    })), weight: 2 },
  // wrong subject shapes still under the stream's wildcard
  { arbitrary: fc.constantFrom('journey.events.intake', 'journey.events.intake.NoSuchType', 'journey.events.INTAKE.WorkStarted', 'journey.events.a.b.c').map((subject): Message => {
      const id = randomUUID();
      return { subject, payload: JSON.stringify({ id, type: 'WorkStarted', journeyId: 'fb-x', department: 'Intake', occurredAt: '2026-03-02T10:00:00Z', schemaVersion: 1, data: { activity: 'x' } }), msgId: id };
    }), weight: 1 },
);

describe.skipIf(!natsServerAvailable())('fuzz: event payloads on the bus', () => {
  let nats: NatsServerHandle;
  let dir: ReturnType<typeof tempDir>;
  let bus: NatsBus;
  let store: EventStore;
  let ingest: IngestHandle;

  beforeAll(async () => {
    nats = await startNatsServer();
    dir = tempDir('journeys-fuzz-bus-');
    bus = await connectNatsBus({ servers: nats.url });
    store = getSQLiteEventStore({ path: join(dir.path, 'journeys.db') });
    ingest = await startIngest({ bus, store, logger: pino({ level: 'silent' }), fetchWaitMs: 200 });
  });
  afterAll(async () => {
    await ingest?.stop();
    await bus?.close();
    await store?.close();
    await nats?.stop();
    dir?.remove();
  });

  it('stores each valid event once and dead-letters everything else with a reason; ingest keeps running', async () => {
    const sent: Message[] = fc.sample(message, RUNS);
    let published = 0;
    for (const m of sent) {
      const r = await bus.publishRaw(m.subject, m.payload, { ...(m.msgId ? { msgId: m.msgId } : {}), timeoutMs: 5000 });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      published++;
    }
    // every message ends stored or dead-lettered
    await waitFor(
      'every fuzzed message stored or dead-lettered',
      () => ingest.counters.appended + ingest.counters.duplicates + ingest.counters.deadLettered >= published,
      60_000,
    );
    const letters = await bus.deadLetters({ limit: 100_000 });
    const storedIds = new Map<string, number>();
    for await (const e of store.readAll()) storedIds.set(e.event.id, (storedIds.get(e.event.id) ?? 0) + 1);
    expect([...storedIds.values()].every((n) => n === 1)).toBe(true);
    expect(storedIds.size + letters.length).toBe(published);
    for (const m of sent.filter((x) => x.validId)) expect(storedIds.has(m.validId!)).toBe(true);
    for (const l of letters) {
      expect(l.reason).toMatch(/^[a-z_]+$/);
      expect(l.detail ?? l.problems.length).toBeTruthy();
      expect(l.dlqSubject).toMatch(/^journey\.dlq\.[a-z0-9-]+$/);
    }
    const reasons: Record<string, number> = {};
    for (const l of letters) reasons[l.reason] = (reasons[l.reason] ?? 0) + 1;
    console.log(`[fuzz-bus] ${published} messages: ${storedIds.size} stored, dead letters ${JSON.stringify(reasons)}`);
    expect(ingest.counters.storeFailures).toBe(0);
    expect((await store.verify()).ok).toBe(true);
  }, 120_000);
});
