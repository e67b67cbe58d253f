import { existsSync } from 'node:fs';
import { openEventStore, type EventStore } from '@journeys/event-store';
import type { JourneyConfig } from './config.ts';
import { CliError } from './errors.ts';

/**
 * Opens the configured store for a command that reads what is already there (rebuild, replay,
 * audit). Opening a missing SQLite file would create an empty store, and the command would
 * report on nothing, successfully: refuse instead.
 *
 * Commands import this inside their action, so `journey --help` does not load the store.
 */
export function openExistingStore(config: JourneyConfig): EventStore {
  if (config.storeLocation.kind === 'sqlite' && !existsSync(config.storeLocation.path))
    throw new CliError(`no event store at ${config.storeLocation.path} (JOURNEY_STORE=${config.store})`);
  return openEventStore(config.store);
}
