import { randomUUID } from 'node:crypto';
import { CURRENT_SCHEMA_VERSION, type JourneyEvent } from '@journeys/contracts';

/** A unique prefix per test, so tests can share one EventStoreDB server without seeing each other. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomUUID().slice(0, 8)}-`;
}

let clock = Date.parse('2026-03-01T09:00:00Z');

/** A valid event; `overrides` may change envelope fields. Each call moves the clock one minute on. */
export function workStarted(journeyId: string, overrides: Partial<JourneyEvent> = {}): JourneyEvent {
  clock += 60_000;
  return {
    id: randomUUID(),
    type: 'WorkStarted',
    journeyId,
    department: 'Intake',
    occurredAt: new Date(clock).toISOString(),
    schemaVersion: CURRENT_SCHEMA_VERSION,
    data: { activity: 'triage' },
    ...overrides,
  } as JourneyEvent;
}

export function handoff(journeyId: string, from: string, to: string, occurredAt: string): JourneyEvent {
  return {
    id: randomUUID(),
    type: 'HandoffRequested',
    journeyId,
    department: from,
    occurredAt,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    data: { toDepartment: to, reason: 'needs assessment' },
  };
}

export function started(journeyId: string, occurredAt = new Date().toISOString()): JourneyEvent {
  return {
    id: randomUUID(),
    type: 'JourneyStarted',
    journeyId,
    department: 'Intake',
    occurredAt,
    actor: 'bot-7',
    correlationId: randomUUID(),
    schemaVersion: CURRENT_SCHEMA_VERSION,
    data: { journeyType: 'claim', channel: 'web', customerRef: 'c-1' },
  };
}

export function many(journeyId: string, n: number): JourneyEvent[] {
  return Array.from({ length: n }, () => workStarted(journeyId));
}

export async function collect<T>(iterable: AsyncIterable<T>, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  if (limit <= 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}
