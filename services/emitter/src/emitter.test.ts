import { describe, expect, it } from 'vitest';
import { createInProcessBus } from '@journeys/bus';
import { EventValidationError } from '@journeys/contracts';
import { createEmitter } from './index.ts';

describe('the emitter SDK on the in-process bus', () => {
  it('fills id (UUIDv7), occurredAt and schemaVersion, and publishes on the department subject', async () => {
    const bus = createInProcessBus();
    const emitter = createEmitter({ department: 'V5 3rd', bus });
    const r = await emitter.journeyStarted('claim-9', { journeyType: 'claim', channel: 'web', customerRef: 'c-1' });
    expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(r.event).toMatchObject({ type: 'JourneyStarted', department: 'V5 3rd', schemaVersion: 1 });
    expect(Date.parse(r.event.occurredAt)).toBeLessThanOrEqual(Date.now());
    const consumer = await bus.consumer();
    const [msg] = await consumer.fetch({ max: 1, expiresMs: 100 });
    expect(msg!.subject).toBe('journey.events.v5-3rd.JourneyStarted');
    // the deduplication key is scoped by department (one cannot squat another's ids)
    expect(msg!.headers['Nats-Msg-Id']).toBe(`v5-3rd:${r.id}`);
  });

  it('lets the caller choose id and occurredAt, and counts a retry with the same id once', async () => {
    const bus = createInProcessBus();
    const emitter = createEmitter({ department: 'Billing', bus });
    const meta = { id: '0190a0b0-0000-7000-8000-00000000000a', occurredAt: new Date('2026-01-02T03:04:05Z'), actor: 'bot-7' };
    const first = await emitter.workCompleted('claim-1', { activity: 'Invoice', outcome: 'sent' }, meta);
    const retry = await emitter.workCompleted('claim-1', { activity: 'Invoice', outcome: 'sent' }, meta);
    expect(first.event.occurredAt).toBe('2026-01-02T03:04:05.000Z');
    expect([first.duplicate, retry.duplicate]).toEqual([false, true]);
    expect(bus.pending()).toBe(1);
  });

  it('refuses an invalid event before sending anything, listing every problem', async () => {
    const bus = createInProcessBus();
    const emitter = createEmitter({ department: 'Billing', bus });
    const err = await emitter
      .emitMany([
        { type: 'WorkStarted', journeyId: 'ok', data: { activity: 'a' } },
        { type: 'WorkStarted', journeyId: '', data: { activity: '' } },
        { type: 'CustomerWaitEnded', journeyId: 'x', data: {}, occurredAt: '2999-01-01T00:00:00Z' },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventValidationError);
    expect([...new Set((err as EventValidationError).problems.map((p) => p.path))]).toEqual(['[1].journeyId', '[1].data.activity', '[2].occurredAt']);
    expect((err as Error).message).toMatch(/journeyId/);
    expect(bus.pending()).toBe(0);
  });

  it('needs exactly one way to reach the bus', () => {
    expect(() => createEmitter({ department: 'x' })).toThrow(/exactly one/);
  });
});
