import { existsSync } from 'node:fs';
import { openEventStore, parseStoreLocation, type EventStore } from '@journeys/event-store';
import type { JourneyConfig } from './config.ts';
import { CliError } from './errors.ts';
import { shreddedStore } from './audit-setup.ts';

/**
 * Opens a store and, for a remote one (EventStoreDB), checks that it answers within a few
 * seconds: the client's first call has no deadline of its own, so a server that accepts
 * TCP but never answers would otherwise hang the command with no output.
 *
 * Commands import this inside their action, so `journey --help` does not load the store.
 */
export async function openReachableStore(connection: string): Promise<EventStore> {
  const store = openEventStore(connection);
  // SQLite answers at once; a remote store proves it answers (ping is bounded by a timer).
  if (!(await store.ping())) {
    await store.close().catch(() => undefined);
    throw new CliError(`the event store at ${describe(connection)} is not reachable (no answer within 5 s)`);
  }
  return store;
}

/**
 * Opens the configured store for a command that reads what is already there (rebuild, replay,
 * audit, export). Opening a missing SQLite file would create an empty store, and the command
 * would report on nothing, successfully: refuse instead.
 */
export async function openExistingStore(config: JourneyConfig): Promise<EventStore> {
  if (config.storeLocation.kind === 'sqlite' && !existsSync(config.storeLocation.path))
    throw new CliError(`no event store at ${config.storeLocation.path} (JOURNEY_STORE=${config.store})`);
  return shreddedStore(config, await openReachableStore(config.store));
}

/** The connection string without credentials, for messages. */
function describe(connection: string): string {
  try {
    const location = parseStoreLocation(connection);
    if (location.kind === 'sqlite') return location.path;
  } catch {
    // fall through: show the scheme and host only
  }
  return connection.replace(/\/\/[^@/]*@/, '//');
}
