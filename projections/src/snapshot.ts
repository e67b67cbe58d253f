import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import type { EventType } from '@journeys/contracts';
import type { EventStore } from '@journeys/event-store';
import type { ProjectedEvent } from './projected-event.ts';
import type { JourneyReadModel } from './read-model.ts';

/**
 * The durable checkpoint: every journey's projected events and the position they reflect,
 * as NDJSON (a header line, then one line per journey) written to a temp file and renamed
 * over the old one, so a crash leaves either the old snapshot or the new one. The folds are
 * recomputed on load (cheap), so a change in the fold code never needs a migration.
 * The header names the events at the first and the snapshot position: a snapshot taken
 * from another store (or a store that was replaced) does not match and is ignored.
 */
export const SNAPSHOT_FORMAT = 'journeys-projection-snapshot/1';
export const SNAPSHOT_FILE = 'projections.snapshot.ndjson';

interface Header {
  format: string;
  position: number;
  events: number;
  journeys: number;
  first: { position: number; id: string } | null;
  last: { position: number; id: string } | null;
  writtenAt: string;
}

type Row = [string, number, number, string, string, string | null, string | null, string | null, string | null, string | null, string | null, string | null, number | null];

const toRow = (e: ProjectedEvent): Row => [
  e.id,
  e.position,
  e.t,
  e.type,
  e.department,
  e.activity ?? null,
  e.actor ?? null,
  e.toDepartment ?? null,
  e.outcome ?? null,
  e.reason ?? null,
  e.journeyType ?? null,
  e.channel ?? null,
  e.promisedBy ?? null,
];

const u = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function fromRow(r: Row): ProjectedEvent {
  return {
    id: r[0],
    position: r[1],
    t: r[2],
    type: r[3] as EventType,
    department: r[4],
    activity: u(r[5]),
    actor: u(r[6]),
    toDepartment: u(r[7]),
    outcome: u(r[8]),
    reason: u(r[9]),
    journeyType: u(r[10]),
    channel: u(r[11]),
    promisedBy: u(r[12]),
  };
}

async function eventAt(store: EventStore, position: number): Promise<{ position: number; id: string } | null> {
  for await (const s of store.readAll({ after: position - 1, maxCount: 1 })) return { position: s.position, id: s.event.id };
  return null;
}

export async function writeSnapshot(dir: string, model: JourneyReadModel, store: EventStore): Promise<void> {
  await mkdir(dir, { recursive: true });
  const position = model.position;
  let firstPos = Number.POSITIVE_INFINITY;
  let lastEvent: ProjectedEvent | undefined;
  let firstEvent: ProjectedEvent | undefined;
  for (const rec of model.journeys.values()) {
    for (const e of rec.events) {
      if (e.position < firstPos) {
        firstPos = e.position;
        firstEvent = e;
      }
      if (e.position === position) lastEvent = e;
    }
  }
  const header: Header = {
    format: SNAPSHOT_FORMAT,
    position,
    events: model.eventCount,
    journeys: model.journeys.size,
    first: firstEvent ? { position: firstEvent.position, id: firstEvent.id } : await eventAt(store, 1),
    last: lastEvent ? { position: lastEvent.position, id: lastEvent.id } : null,
    writtenAt: new Date().toISOString(),
  };
  const file = join(dir, SNAPSHOT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  try {
    const write = (line: string) => (out.write(line) ? undefined : new Promise<void>((r) => out.once('drain', () => r())));
    await write(JSON.stringify(header) + '\n');
    for (const rec of model.journeys.values()) {
      const p = write(JSON.stringify([rec.journeyId, rec.events.map(toRow)]) + '\n');
      if (p) await p;
    }
    out.end();
    await finished(out);
    await rename(tmp, file);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

export type SnapshotLoad =
  | { loaded: true; position: number; events: number }
  | { loaded: false; reason: string };

/**
 * Loads the snapshot into an empty model when it belongs to this store; otherwise leaves
 * the model empty and says why (the runner then rebuilds from the first event).
 */
export async function loadSnapshot(dir: string, model: JourneyReadModel, store: EventStore): Promise<SnapshotLoad> {
  const file = join(dir, SNAPSHOT_FILE);
  let header: Header | undefined;
  const batch: { journeyId: string; events: ProjectedEvent[] }[] = [];
  try {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (header === undefined) {
        header = JSON.parse(line) as Header;
        if (header.format !== SNAPSHOT_FORMAT) return { loaded: false, reason: `unknown snapshot format ${String(header.format)}` };
        const head = await store.headPosition();
        if (header.position > head) return { loaded: false, reason: `snapshot at position ${header.position} is ahead of the store (head ${head})` };
        for (const anchor of [header.first, header.last]) {
          if (!anchor) continue;
          const found = await eventAt(store, anchor.position);
          if (!found || found.position !== anchor.position || found.id !== anchor.id) {
            return { loaded: false, reason: `snapshot does not match this store at position ${anchor.position}` };
          }
        }
        continue;
      }
      if (line.length === 0) continue;
      const [journeyId, rows] = JSON.parse(line) as [string, Row[]];
      batch.push({ journeyId, events: rows.map(fromRow) });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { loaded: false, reason: 'no snapshot' };
    return { loaded: false, reason: `unreadable snapshot: ${(err as Error).message}` };
  }
  if (!header) return { loaded: false, reason: 'empty snapshot' };
  let events = 0;
  for (const j of batch) events += j.events.length;
  if (events !== header.events || batch.length !== header.journeys) {
    return { loaded: false, reason: 'truncated snapshot' };
  }
  model.restore(batch, header.position);
  return { loaded: true, position: header.position, events };
}
