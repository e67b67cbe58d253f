import { getEventStoreDBEventStore } from './esdb/store.ts';
import { registerEsdbFactory } from './open.ts';

export type * from './port.ts';
export * from './errors.ts';
export { assertValidStreamName, MAX_STREAM_NAME_LENGTH } from './stream-name.ts';
export { GENESIS_HASH } from './chain.ts';
export { getSQLiteEventStore, SPARSE_POSITIONS_ENV, type SQLiteEventStoreOptions } from './sqlite/store.ts';
export type { ResumeOptions } from './subscription.ts';
export { getEventStoreDBEventStore, type EventStoreDBEventStoreOptions } from './esdb/store.ts';
export { openEventStore, parseStoreLocation, StoreConfigError, DEFAULT_STORE, type StoreLocation } from './open.ts';
/** Re-exported for convenience: the shapes the store returns live in contracts. */
export type { StoredEvent, ChainVerification, JourneyEvent } from '@journeys/contracts';

registerEsdbFactory(getEventStoreDBEventStore);
