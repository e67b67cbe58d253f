import { journeyStreamName, type JourneyEvent } from '@journeys/contracts';

/** Events by journey, each list in the order given (occurredAt order for simulator output). */
export function groupByJourney(events: Iterable<JourneyEvent>): Map<string, JourneyEvent[]> {
  const byJourney = new Map<string, JourneyEvent[]>();
  for (const e of events) {
    const list = byJourney.get(e.journeyId);
    if (list) list.push(e);
    else byJourney.set(e.journeyId, [e]);
  }
  return byJourney;
}

/** The part of the event store this needs (structural, so the simulator does not depend on the store). */
export interface AppendTarget {
  append(stream: string, events: readonly JourneyEvent[]): Promise<{ events: readonly { duplicate: boolean }[] }>;
}

/**
 * Appends simulated history straight into a store, one batch per journey stream
 * (`journey-<id>`). Idempotent: events already there come back as duplicates and are not
 * counted as written.
 */
export async function appendJourneys(
  store: AppendTarget,
  events: Iterable<JourneyEvent>,
  options: { onProgress?: (done: number, total: number) => void; batchSize?: number; signal?: AbortSignal } = {},
): Promise<{ journeys: number; written: number; duplicates: number }> {
  const byJourney = groupByJourney(events);
  let done = 0;
  let written = 0;
  let duplicates = 0;
  const batch = options.batchSize ?? 500;
  for (const [journeyId, list] of byJourney) {
    // Stopping between journeys leaves whole streams; running again completes the rest.
    if (options.signal?.aborted) break;
    for (let i = 0; i < list.length; i += batch) {
      const result = await store.append(journeyStreamName(journeyId), list.slice(i, i + batch));
      for (const e of result.events) {
        if (e.duplicate) duplicates++;
        else written++;
      }
    }
    done++;
    options.onProgress?.(done, byJourney.size);
  }
  return { journeys: byJourney.size, written, duplicates };
}
