import type { AnalyticsFilter, Clock } from '@journeys/contracts';
import type { JourneyListFilter, JourneyQueries, JourneySelection, ReadModelChange } from '../queries.ts';
import type { ReadStore } from './read-store.ts';

/**
 * The queries the API holds for the life of the process, answered by whichever read store
 * is current: a rebuild beside the live tables switches stores without the API noticing,
 * and change listeners move with the switch.
 */
export class SwitchableQueries implements JourneyQueries {
  private current: ReadStore | undefined;
  private readonly listeners = new Set<(change: ReadModelChange) => void>();
  private unsubscribe: (() => void) | undefined;

  use(store: ReadStore): void {
    if (this.current === store) return;
    this.unsubscribe?.();
    this.current = store;
    this.unsubscribe = store.onChange((change) => {
      for (const l of this.listeners) l(change);
    });
  }

  private get store(): ReadStore {
    if (!this.current) throw new Error('the read store is not open yet');
    return this.current;
  }

  get position(): number {
    return this.current?.position ?? 0;
  }

  listJourneys(filter: JourneyListFilter, page: { cursor?: string; limit: number }) {
    return this.store.listJourneys(filter, page);
  }
  timeline(journeyId: string) {
    return this.store.timeline(journeyId);
  }
  customerStatus(journeyId: string) {
    return this.store.customerStatus(journeyId);
  }
  handoffs(filter?: AnalyticsFilter & { clock?: Clock }) {
    return this.store.handoffs(filter);
  }
  alertInputs() {
    return this.store.alertInputs();
  }
  estimateStats() {
    return this.store.estimateStats();
  }
  processMap(filter?: AnalyticsFilter) {
    return this.store.processMap(filter);
  }
  departments(filter?: AnalyticsFilter & { now?: string }) {
    return this.store.departments(filter);
  }
  replay(instant: string, filter?: AnalyticsFilter) {
    return this.store.replay(instant, filter);
  }
  variants(filter?: AnalyticsFilter & { department?: string }, limit?: number) {
    return this.store.variants(filter, limit);
  }
  selectJourneys(selection: JourneySelection, page: { cursor?: string; limit: number }) {
    return this.store.selectJourneys(selection, page);
  }
  processMapGrouped(groups: Readonly<Record<string, string>>, filter?: AnalyticsFilter) {
    return this.store.processMapGrouped(groups, filter);
  }
  departmentFocus(department: string, filter?: AnalyticsFilter & { now?: string }, limit?: number) {
    return this.store.departmentFocus(department, filter, limit);
  }
  onChange(listener: (change: ReadModelChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
