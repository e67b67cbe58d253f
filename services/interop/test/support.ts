import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import type { JourneyEvent } from '@journeys/contracts';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { exportLog, type ExportOptions } from '../src/index.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared real logs (CI has shared/ beside the clone). */
export const LOGS_DIR = fileURLToPath(new URL('../../../../shared/data/logs/', import.meta.url));

export interface TempWorld {
  dir: string;
  /** A fresh SQLite store in the temp dir; closed by cleanup(). */
  store(name?: string): EventStore;
  /** Writes a fixture file into the temp dir and returns its path. */
  file(name: string, content: string | Buffer): string;
  cleanup(): Promise<void>;
}

export function tempWorld(): TempWorld {
  const dir = mkdtempSync(join(tmpdir(), 'interop-test-'));
  const stores: EventStore[] = [];
  let n = 0;
  return {
    dir,
    store(name = `store-${n++}.db`) {
      const s = getSQLiteEventStore({ path: join(dir, name), pollIntervalMs: 20 });
      stores.push(s);
      return s;
    },
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    async cleanup() {
      for (const s of stores) await s.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function allEvents(store: EventStore): Promise<JourneyEvent[]> {
  const out: JourneyEvent[] = [];
  for await (const stored of store.readAll()) out.push(stored.event);
  return out;
}

/** Exports `store` to `dir/name` and waits until the file is complete. */
export async function exportFile(dir: string, store: EventStore, name: string, options: ExportOptions): Promise<string> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  await exportLog(store, out, options);
  out.end();
  await finished(out);
  return path;
}
