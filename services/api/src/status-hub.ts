import type { JourneyQueries, ReadModelChange } from '@journeys/projections';

/**
 * Fans read-model changes out to open streams with one projection listener for the whole
 * app: customer streams are looked up by journey id, so a change costs O(subscribers of
 * that journey), not O(all open streams).
 */
export class ChangeHub {
  private readonly byJourney = new Map<string, Set<(journeyId: string) => void>>();
  private readonly all = new Set<(change: ReadModelChange) => void>();
  private readonly unsubscribe: () => void;

  constructor(queries: JourneyQueries) {
    this.unsubscribe = queries.onChange((change) => {
      if (change.kind === 'journey') {
        const listeners = this.byJourney.get(change.journeyId);
        if (listeners) for (const l of listeners) safe(() => l(change.journeyId));
      }
      for (const l of this.all) safe(() => l(change));
    });
  }

  onJourney(journeyId: string, listener: (journeyId: string) => void): () => void {
    let set = this.byJourney.get(journeyId);
    if (!set) this.byJourney.set(journeyId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byJourney.delete(journeyId);
    };
  }

  onAny(listener: (change: ReadModelChange) => void): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    this.byJourney.clear();
    this.all.clear();
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // One broken stream must not stop the others (or the projection runner that called us).
  }
}
