import type { EventType } from '@journeys/contracts';
import type { ProjectedEvent } from '../projected-event.ts';
import type { Names } from './names.ts';
import { NO_NAME } from './schema.ts';

/**
 * A journey's events as its row keeps them: one JSON array of tuples, names as ids.
 * Enough to refold the journey (a late event, a replay) without reading the event store.
 * The actor and the handoff reason are personal data (docs/security.md): kept inline, never
 * as shared names, so rewriting a journey's row after an erasure leaves no copy of them.
 */
type Tuple = [string, number, number, number, number, number, string | null, number, number, string | null, number, number, number | null];

export function encodeEvents(events: readonly ProjectedEvent[], names: Names): string {
  const out: Tuple[] = events.map((e) => [
    e.id,
    e.position,
    e.t,
    names.id(e.type),
    names.id(e.department),
    names.id(e.activity),
    e.actor ?? null,
    names.id(e.toDepartment),
    names.id(e.outcome),
    e.reason ?? null,
    names.id(e.journeyType),
    names.id(e.channel),
    e.promisedBy ?? null,
  ]);
  return JSON.stringify(out);
}

export function decodeEvents(json: string, names: Names): ProjectedEvent[] {
  const rows = JSON.parse(json) as Tuple[];
  const opt = (id: number): string | undefined => (id === NO_NAME ? undefined : names.name(id));
  return rows.map((r) => ({
    id: r[0],
    position: r[1],
    t: r[2],
    type: names.name(r[3]) as EventType,
    department: names.name(r[4]),
    activity: opt(r[5]),
    actor: r[6] ?? undefined,
    toDepartment: opt(r[7]),
    outcome: opt(r[8]),
    reason: r[9] ?? undefined,
    journeyType: opt(r[10]),
    channel: opt(r[11]),
    promisedBy: r[12] ?? undefined,
  }));
}
