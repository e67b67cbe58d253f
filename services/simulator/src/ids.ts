import { v5 as uuidv5 } from 'uuid';

/** Namespace of every simulated event id (UUIDv5 of `<journeyId>#<n>`). */
export const SIMULATOR_NAMESPACE = '6f1c7a52-3f0e-5d8a-9d7e-2b6f0c1e4a90';

/**
 * Event ids are name-based (UUIDv5) rather than random: the same seed and start give the
 * same ids, so re-running a simulation into a store adds nothing (the store and the bus
 * deduplicate by id).
 */
export function eventId(journeyId: string, n: number): string {
  return uuidv5(`${journeyId}#${n}`, SIMULATOR_NAMESPACE);
}

/**
 * A 4-character tag of the run (seed + start instant), part of every journey id, so two
 * runs with different seeds or starts never write into each other's journey streams.
 */
export function runTag(seed: number, start: number): string {
  return uuidv5(`${seed}@${new Date(start).toISOString()}`, SIMULATOR_NAMESPACE).slice(0, 4).toUpperCase();
}

/** `CLM-7F3A-20260301-0007`: type code, run tag, arrival day (UTC), sequence that day. */
export function journeyIdFor(code: string, tag: string, arrival: number, seq: number): string {
  const day = new Date(arrival).toISOString().slice(0, 10).replaceAll('-', '');
  return `${code}-${tag}-${day}-${String(seq).padStart(4, '0')}`;
}
