import { describe, expect, it } from 'vitest';
import { createInProcessBus, memoryDeadLetters, publishValidated, validateBatch, MAX_BATCH_EVENTS } from './index.ts';

const input = (extra: Record<string, unknown> = {}) => ({ type: 'WorkStarted', journeyId: 'claim-1', department: 'V5 3rd', data: { activity: 'Assess' }, ...extra });

describe('the HTTP ingress helper', () => {
  it('completes, publishes and answers 202 with the ids in input order', async () => {
    const bus = createInProcessBus();
    const out = await publishValidated(bus, [input(), input({ id: '0190a0b0-0000-7000-8000-000000000001' })]);
    expect(out.status).toBe(202);
    if (out.status === 400) return;
    expect(out.accepted).toBe(2);
    expect(out.ids[1]).toBe('0190a0b0-0000-7000-8000-000000000001');
    expect(out.results.every((r) => r.ok && !r.duplicate)).toBe(true);
    expect(bus.pending()).toBe(2);
    // the same request again is taken as duplicates, not twice
    const again = await publishValidated(bus, input({ id: '0190a0b0-0000-7000-8000-000000000001' }));
    expect(again).toMatchObject({ status: 202, results: [{ ok: true, duplicate: true }] });
    expect(bus.pending()).toBe(2);
  });

  it('answers 400 with every problem located by index and publishes nothing', async () => {
    const bus = createInProcessBus();
    const out = await publishValidated(bus, [input(), input({ data: {} }), input({ occurredAt: '2999-01-01T00:00:00Z', type: 'Nope' }), input({ occurredAt: '2999-01-01T00:00:00Z' })]);
    expect(out.status).toBe(400);
    if (out.status !== 400) return;
    expect(out.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['[1].data.activity', '[2].type', '[3].occurredAt']));
    expect(bus.pending()).toBe(0);
  });

  it('refuses events of another department than the caller, repeated ids, empty and oversized batches', () => {
    expect(validateBatch(input(), { asDepartment: 'Billing' })).toMatchObject({ ok: false, problems: [{ path: 'department', code: 'forbidden_department' }] });
    expect(validateBatch(input(), { asDepartment: 'v5-3rd' }).ok).toBe(true);
    const id = '0190a0b0-0000-7000-8000-000000000002';
    expect(validateBatch([input({ id }), input({ id })])).toMatchObject({ ok: false, problems: [{ path: '[1].id', code: 'duplicate_id' }] });
    expect(validateBatch([])).toMatchObject({ ok: false });
    expect(validateBatch(Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => input()))).toMatchObject({ ok: false, problems: [{ code: 'too_big' }] });
    expect(validateBatch(input({ occurredAt: '1969-12-31T23:59:59Z' }))).toMatchObject({ ok: false, problems: [{ code: 'implausible_time' }] });
  });

  it('answers 503 with per-event results when the bus is away', async () => {
    const bus = createInProcessBus();
    await bus.close();
    const out = await publishValidated(bus, [input(), input()]);
    expect(out).toMatchObject({ status: 503, accepted: 0 });
    if (out.status === 400) return;
    expect(out.results.map((r) => r.error?.code)).toEqual(['unavailable', 'unavailable']);
  });
});

describe('the in-process bus', () => {
  it('redelivers un-acked messages after the ack wait and dead-letters after maxDeliver', async () => {
    const bus = createInProcessBus();
    const consumer = await bus.consumer({ ackWaitMs: 30, maxDeliver: 2, backoffMs: [] });
    await bus.publishRaw('journey.events.intake.WorkStarted', 'x', { msgId: 'm1' });
    const [first] = await consumer.fetch({ max: 10, expiresMs: 100 });
    expect(first).toMatchObject({ deliveryCount: 1, streamSeq: 1 });
    const [second] = await consumer.fetch({ max: 10, expiresMs: 500 }); // after the ack wait
    expect(second).toMatchObject({ deliveryCount: 2, streamSeq: 1 });
    second!.nak();
    expect(await consumer.fetch({ max: 10, expiresMs: 50 })).toEqual([]);
    const letters = await bus.deadLetters();
    expect(letters).toMatchObject([{ reason: 'max_deliveries', payload: 'x', deliveries: 2 }]);
    expect(bus.pending()).toBe(0);
  });

  it('keeps its dead letters in the store it is given', async () => {
    const store = memoryDeadLetters();
    const bus = createInProcessBus({ deadLetters: store });
    for (let i = 0; i < 5; i++) await bus.deadLetter({ reason: `r${i}`, subject: 's', payload: 'p', departmentSlug: 'intake' });
    expect((await store.list()).letters.map((l) => l.reason)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });
});
