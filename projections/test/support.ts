import { readFileSync } from 'node:fs';
import type { JourneyEvent } from '@journeys/contracts';
import type { PositionedEvent } from '../src/read-store/read-store.ts';

export const LOGS = '/work/shared/data/logs';

let counter = 0;
/** A deterministic UUID-shaped id. */
export function uuid(n = ++counter): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

type DataOf<T extends JourneyEvent['type']> = Extract<JourneyEvent, { type: T }>['data'];

export function ev<T extends JourneyEvent['type']>(
  type: T,
  journeyId: string,
  department: string,
  occurredAt: string,
  data: DataOf<T>,
  extra: Partial<Pick<JourneyEvent, 'id' | 'actor'>> = {},
): JourneyEvent {
  return { id: extra.id ?? uuid(), type, journeyId, department, occurredAt, schemaVersion: 1, data, ...(extra.actor ? { actor: extra.actor } : {}) } as JourneyEvent;
}

/** Positions in list order, from 1. */
export function positioned(events: readonly JourneyEvent[], from = 1): PositionedEvent[] {
  return events.map((event, i) => ({ event, position: from + i }));
}

/**
 * Reads one of the (quote-free) CSV logs as the importer maps it: one WorkCompleted per
 * row (WorkStarted for lifecycle `start`), activity = concept:name, department = org:group
 * or else org:resource, in file order (= store order).
 */
export function csvLogEvents(file: string): JourneyEvent[] {
  const [header, ...lines] = readFileSync(`${LOGS}/${file}`, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const cols = header!.split(',');
  const col = (name: string) => cols.indexOf(name);
  const [c, a, g, r, t, l] = ['case:concept:name', 'concept:name', 'org:group', 'org:resource', 'time:timestamp', 'lifecycle:transition'].map(col);
  return lines.map((line, i) => {
    const f = line.split(',');
    const department = (g! >= 0 && f[g!]) || f[r!]!;
    const lifecycle = l !== undefined && l >= 0 ? f[l]?.toLowerCase() : undefined;
    const type = lifecycle === 'start' ? 'WorkStarted' : 'WorkCompleted';
    return {
      id: uuid(1_000_000 + i),
      type,
      journeyId: f[c!]!,
      department,
      occurredAt: f[t!]!.replace(' ', 'T'),
      schemaVersion: 1,
      data: { activity: f[a!]! },
    };
  });
}

export interface OracleStats {
  count: number;
  mean: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  sum: number;
  from?: string;
  to?: string;
}

export interface Expected {
  counts: { cases: number; events: number };
  case_duration_seconds: OracleStats;
  performance_dfg: OracleStats[];
  handover: Record<string, { handoff_pairs: OracleStats[]; handoffs_total: number } | null>;
}

export function expected(file: string): Expected {
  return JSON.parse(readFileSync(`${LOGS}/${file}.expected.json`, 'utf8')) as Expected;
}
