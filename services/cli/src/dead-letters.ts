import { join, resolve } from 'node:path';
import { openBus, openSqliteDeadLetters, type EventBus } from '@journeys/bus';
import { storeHome, type JourneyConfig } from './config.ts';

/**
 * Where the in-process bus keeps its dead letters: in the embedded store's own file (table
 * `journey_dead_letters`), or `dead-letters.db` in the data directory beside an EventStoreDB
 * store. With NATS they are in `JOURNEY_DLQ`.
 */
export function deadLetterFile(config: Pick<JourneyConfig, 'storeLocation'>): string {
  return config.storeLocation.kind === 'sqlite' ? resolve(config.storeLocation.path) : join(storeHome(config), 'dead-letters.db');
}

/** The bus the configuration names, with durable dead letters on either kind (closed with the bus). */
export function openConfiguredBus(config: Pick<JourneyConfig, 'storeLocation' | 'natsUrl'>, options: { name?: string } = {}): Promise<EventBus> {
  if (config.natsUrl) return openBus(config.natsUrl, options.name !== undefined ? { name: options.name } : {});
  return openBus(undefined, { inProcess: { deadLetters: openSqliteDeadLetters({ path: deadLetterFile(config) }) } });
}
