import { EventStoreError } from './errors.ts';
import type { EventStore } from './port.ts';
import { getSQLiteEventStore, type SQLiteEventStoreOptions } from './sqlite/store.ts';

export const DEFAULT_STORE = 'sqlite:./data/journeys.db';

export type StoreLocation =
  | { kind: 'sqlite'; path: string; synchronous?: SQLiteEventStoreOptions['synchronous']; sparsePositions?: boolean }
  | { kind: 'esdb'; connectionString: string };

export class StoreConfigError extends EventStoreError {
  override name = 'StoreConfigError';
}

/**
 * Reads a `JOURNEY_STORE` value: `sqlite:<path>` (optionally `?synchronous=full`, `?sparse=1`),
 * `esdb://…` or `esdb+discover://…`. Anything else is refused with the accepted forms.
 */
export function parseStoreLocation(connection: string): StoreLocation {
  const value = connection.trim();
  if (value.startsWith('sqlite:')) {
    let rest = value.slice('sqlite:'.length);
    let synchronous: SQLiteEventStoreOptions['synchronous'];
    let sparsePositions: boolean | undefined;
    const q = rest.indexOf('?');
    if (q >= 0) {
      const params = new URLSearchParams(rest.slice(q + 1));
      rest = rest.slice(0, q);
      for (const [key, v] of params) {
        if (key === 'synchronous' && (v === 'normal' || v === 'full')) synchronous = v;
        else if (key === 'sparse' && (v === '1' || v === '0')) sparsePositions = v === '1';
        else throw new StoreConfigError(`JOURNEY_STORE: unknown SQLite option ${key}=${v} (accepted: synchronous=normal|full, sparse=1|0)`);
      }
    }
    // sqlite:///abs/path and sqlite://rel are accepted as well as sqlite:<path>
    if (rest.startsWith('//')) rest = rest.slice(2);
    if (rest.length === 0) throw new StoreConfigError('JOURNEY_STORE: sqlite: needs a file path, e.g. sqlite:./data/journeys.db');
    return {
      kind: 'sqlite',
      path: rest,
      ...(synchronous ? { synchronous } : {}),
      ...(sparsePositions !== undefined ? { sparsePositions } : {}),
    };
  }
  if (value.startsWith('esdb://') || value.startsWith('esdb+discover://')) return { kind: 'esdb', connectionString: value };
  throw new StoreConfigError(
    `JOURNEY_STORE ${JSON.stringify(connection)} is not understood: use sqlite:<path> (default ${DEFAULT_STORE}), esdb://host:2113?tls=false or esdb+discover://host:2113`,
  );
}

export type EsdbFactory = (options: { connectionString: string }) => EventStore;
let esdbFactory: EsdbFactory | undefined;

/** Set by index.ts; keeps this module free of the gRPC client for SQLite-only users of open.ts. */
export function registerEsdbFactory(factory: EsdbFactory): void {
  esdbFactory = factory;
}

/** Opens the store named by `connection` (default: `JOURNEY_STORE`, else the embedded file). */
export function openEventStore(connection: string = process.env.JOURNEY_STORE ?? DEFAULT_STORE): EventStore {
  const location = parseStoreLocation(connection);
  if (location.kind === 'sqlite') {
    const { kind: _kind, ...sqlite } = location;
    return getSQLiteEventStore(sqlite);
  }
  if (!esdbFactory) throw new StoreConfigError('the EventStoreDB adapter is not loaded');
  return esdbFactory({ connectionString: location.connectionString });
}
