import { StoreUnavailableError, type EventStore, type StreamBatch } from '@journeys/event-store';

/** The real store, with appends (single or multi-stream) failing while `down(stream)` says so (an outage or a poison stream). */
export function withOutage(store: EventStore, down: (stream: string) => boolean): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return (stream: string, ...rest: unknown[]) => {
          if (down(stream)) return Promise.reject(new StoreUnavailableError('the store is down (test)'));
          return (target.append as (...a: unknown[]) => unknown)(stream, ...rest);
        };
      }
      // one transaction for several streams fails when any of them is down
      if (prop === 'appendMany') {
        return (batches: readonly StreamBatch[]) => {
          if (batches.some((b) => down(b.stream))) return Promise.reject(new StoreUnavailableError('the store is down (test)'));
          return target.appendMany(batches);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
