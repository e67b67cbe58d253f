import { createAuth } from '@journeys/api';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { fromCloudEvent, toCloudEvent, validateEvent, type JourneyEvent } from '@journeys/contracts';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { startIngest, type IngestHandle } from '@journeys/ingest';
import { CloudEvent, HTTP } from 'cloudevents';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestUser, natsConfig, tempDir, waitFor } from './ingest/helpers.ts';
import { natsServerAvailable, startNatsServer, type NatsServerHandle } from './support/nats.ts';
import { startServeProcess, type ServeProcess } from './support/serve-process.ts';

/** CloudEvents made and checked by the official SDK, never by hand. */
const now = () => new Date(Date.now() - 60_000).toISOString();
function sdkEvent(overrides: Record<string, unknown> = {}): CloudEvent<Record<string, unknown>> {
  return new CloudEvent<Record<string, unknown>>({
    id: `crm-${Math.random().toString(36).slice(2)}`,
    source: '/departments/Claims%20Intake',
    type: 'com.acme.journeys.WorkStarted',
    subject: 'claim-ce-1',
    time: now(),
    datacontenttype: 'application/json',
    data: { activity: 'triage' },
    actor: 'ann',
    correlationid: 'corr-7',
    ...overrides,
  });
}

function mapped(input: unknown): Record<string, unknown> {
  const r = fromCloudEvent(input);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

describe('CloudEvents 1.0 mapping (official SDK)', () => {
  it('maps id, source, subject, time, type and extensions to the envelope, which validates', () => {
    const ce = sdkEvent();
    const structured = HTTP.structured(ce);
    expect(structured.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const converted = fromCloudEvent(JSON.parse(structured.body as string));
    expect(converted.ok).toBe(true);
    const checked = validateEvent(converted.ok ? converted.value : undefined);
    expect(checked.ok).toBe(true);
    const event = (checked as { value: JourneyEvent }).value;
    expect(event).toMatchObject({
      type: 'WorkStarted',
      journeyId: 'claim-ce-1',
      department: 'Claims Intake',
      occurredAt: ce.time,
      actor: 'ann',
      correlationId: 'corr-7',
      data: { activity: 'triage' },
    });
    // A non-UUID id maps to a stable UUID: the same CloudEvent again is the same event.
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(mapped(ce.toJSON()).id).toBe(event.id);
    expect(mapped({ ...ce.toJSON(), source: '/elsewhere/Claims%20Intake' }).id).not.toBe(event.id);
  });

  it('our events as CloudEvents are valid to the SDK and map back unchanged', () => {
    const event: JourneyEvent = {
      id: '0190a0c4-0000-7000-8000-000000000001',
      type: 'HandoffRequested',
      journeyId: 'claim-1',
      department: 'V5 3rd',
      occurredAt: '2026-03-01T09:00:00+01:00',
      schemaVersion: 1,
      causationId: 'x',
      data: { toDepartment: 'Billing' },
    };
    const ce = new CloudEvent(toCloudEvent(event));
    expect(ce.validate()).toBe(true);
    const back = fromCloudEvent(JSON.parse(HTTP.structured(ce).body as string));
    // The SDK writes `time` in UTC: the same instant comes back.
    expect(back.ok && validateEvent(back.value)).toMatchObject({
      ok: true,
      value: { ...event, occurredAt: new Date(Date.parse(event.occurredAt)).toISOString() },
    });
    expect(back.ok && fromCloudEvent(toCloudEvent(event))).toMatchObject({ ok: true, value: event });
  });

  it('says what is missing or not accepted', () => {
    const r = fromCloudEvent({
      specversion: '1.0',
      id: 'a',
      source: 's',
      type: 'WorkStarted',
      data_base64: 'AAAA',
      datacontenttype: 'text/plain',
    });
    expect(r.ok).toBe(false);
    const paths = (r as { problems: Array<{ path: string }> }).problems.map((p) => p.path).sort();
    expect(paths).toEqual(['data_base64', 'datacontenttype', 'subject', 'time']);
  });
});

describe('CloudEvents on POST /api/events (journey serve)', () => {
  const SECRET = 'cloudevents-test-secret-0123456789-abcdef';
  let dir: ReturnType<typeof tempDir>;
  let serve: ServeProcess;
  let admin: string;
  let intake: string;

  beforeAll(async () => {
    dir = tempDir('journeys-ce-');
    serve = await startServeProcess({
      env: { JOURNEY_STORE: `sqlite:${join(dir.path, 'j.db')}`, JOURNEY_AUTH_SECRET: SECRET, NATS_URL: '' },
    });
    const auth = createAuth({ secret: SECRET });
    admin = await auth.sign({ role: 'admin' });
    intake = await auth.sign({ role: 'department:claims-intake' });
  });
  afterAll(async () => {
    await serve?.stop();
    dir?.remove();
  });

  const post = (token: string, message: { headers: Record<string, unknown>; body: unknown }) =>
    fetch(`${serve.url}/api/events`, {
      method: 'POST',
      headers: { ...(message.headers as Record<string, string>), authorization: `Bearer ${token}` },
      body: message.body as string,
    });
  const stored = async (journeyId: string): Promise<JourneyEvent[]> => {
    const res = await fetch(`${serve.url}/api/audit/events?journeyId=${encodeURIComponent(journeyId)}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    return ((await res.json()) as { items: Array<{ event: JourneyEvent }> }).items.map((i) => i.event);
  };

  it('accepts one structured CloudEvent and a batch, stores them as envelopes, and dedups a resend', async () => {
    const one = sdkEvent({ subject: 'claim-ce-http' });
    const res = await post(intake, HTTP.structured(one));
    expect(res.status).toBe(202);
    const { ids } = (await res.json()) as { ids: string[] };
    const batch = [
      sdkEvent({ subject: 'claim-ce-http', type: 'WorkCompleted', data: { activity: 'triage', outcome: 'ok' } }),
      sdkEvent({ subject: 'claim-ce-http', type: 'HandoffRequested', data: { toDepartment: 'Billing' } }),
    ];
    const batchRes = await post(intake, {
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(batch.map((e) => e.toJSON())),
    });
    expect(batchRes.status).toBe(202);
    // Resent: accepted again (idempotent), stored once.
    expect((await post(intake, HTTP.structured(one))).status).toBe(202);
    await waitFor('three events stored', async () => (await stored('claim-ce-http')).length >= 3);
    await new Promise((r) => setTimeout(r, 500));
    const events = await stored('claim-ce-http');
    expect(events.map((e) => e.type).sort()).toEqual(['HandoffRequested', 'WorkCompleted', 'WorkStarted']);
    expect(events.find((e) => e.type === 'WorkStarted')).toMatchObject({
      id: ids[0],
      department: 'Claims Intake',
      actor: 'ann',
      correlationId: 'corr-7',
      occurredAt: one.time,
    });
  });

  it("refuses invalid CloudEvents with every problem, and another department's source with 403", async () => {
    const bad = await post(admin, {
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ ...sdkEvent().toJSON(), subject: undefined, data: {} }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await bad.json()) as { problems: Array<{ path: string }> }).problems.map((p) => p.path)).toContain('subject');
    const badPayload = await post(admin, HTTP.structured(sdkEvent({ data: {} })));
    expect(badPayload.status).toBe(400);
    expect(((await badPayload.json()) as { problems: Array<{ path: string }> }).problems.map((p) => p.path)).toContain('data.activity');
    const native = await post(admin, {
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ type: 'WorkStarted' }),
    });
    expect(native.status).toBe(400);
    const other = await post(intake, HTTP.structured(sdkEvent({ source: '/departments/Billing' })));
    expect(other.status).toBe(403);
  });
});

describe.skipIf(!natsServerAvailable())('CloudEvents on the bus (NATS JetStream + ingest)', () => {
  let nats: NatsServerHandle;
  let dir: ReturnType<typeof tempDir>;
  let store: EventStore;
  let bus: NatsBus;
  let ingest: IngestHandle;

  beforeEach(async () => {
    nats = await startNatsServer({ config: natsConfig() });
    dir = tempDir('journeys-ce-bus-');
    store = getSQLiteEventStore({ path: join(dir.path, 'journeys.db') });
    bus = await connectNatsBus({ servers: nats.url, ...ingestUser });
    ingest = await startIngest({ bus, store, logger: pino({ level: 'silent' }), consumer: { ackWaitMs: 2000 } });
  });
  afterEach(async () => {
    await ingest.stop();
    await bus.close();
    await store.close();
    await nats.stop();
    dir.remove();
  });

  it('stores a valid CloudEvent once (Nats-Msg-Id = its id) and dead-letters an invalid one with the reason', async () => {
    const ce = sdkEvent({ source: 'urn:acme:department:Intake', subject: 'claim-ce-bus' });
    const body = HTTP.structured(ce).body as string;
    expect((await bus.publishRaw('journey.events.intake.WorkStarted', body, { msgId: ce.id })).ok).toBe(true);
    // Resent after the bus's window would have passed: no msg id, only the store can dedup.
    expect((await bus.publishRaw('journey.events.intake.WorkStarted', body)).ok).toBe(true);
    const invalid = JSON.stringify({ ...sdkEvent({ source: 'urn:acme:department:Intake' }).toJSON(), data: {} });
    expect((await bus.publishRaw('journey.events.intake.WorkStarted', invalid)).ok).toBe(true);
    const wrongDept = HTTP.structured(sdkEvent({ source: '/departments/Billing' })).body as string;
    expect((await bus.publishRaw('journey.events.intake.WorkStarted', wrongDept)).ok).toBe(true);

    await waitFor('all handled', () => ingest.counters.appended + ingest.counters.duplicates + ingest.counters.deadLettered >= 4);
    const events: JourneyEvent[] = [];
    for await (const s of store.readAll()) events.push(s.event);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'WorkStarted', journeyId: 'claim-ce-bus', department: 'Intake', occurredAt: ce.time });
    const letters = await bus.deadLetters();
    expect(letters.map((l) => l.reason).sort()).toEqual(['department_mismatch', 'invalid_event']);
    expect(letters.find((l) => l.reason === 'invalid_event')!.problems.map((p) => p.path)).toContain('data.activity');
    expect(letters.find((l) => l.reason === 'invalid_event')!.payload).toBe(invalid);
  });
});
