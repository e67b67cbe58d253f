/**
 * Child process of crash-append.test.ts: what a Journeys process does all day, as fast as it
 * can — appends batches of random size (1–400 events) to journey streams while the
 * projection runner follows the store into its read store file (checkpoint committed per batch). Prints
 * `acked <label>` once an append returned. Each batch's events carry the correlationId
 * `<label>` = `r<round>-b<batch>-n<size>`, so the test can tell a whole batch from a partial one.
 *
 *   node --import tsx append-writer.ts <db> <readStore> <round>
 */
import { v7 as uuidv7 } from 'uuid';
import type { JourneyEvent } from '@journeys/contracts';
import { getSQLiteEventStore } from '@journeys/event-store';
import { createProjectionRunner } from '@journeys/projections';

const [db, readStorePath, round] = process.argv.slice(2) as [string, string, string];
const store = getSQLiteEventStore({ path: db });
const runner = createProjectionRunner({ store, readStorePath, batchSize: 500 });
await runner.start();

const T0 = Date.parse('2026-02-02T08:00:00Z') + Number(round) * 86_400_000;
let clock = 0;
for (let b = 0; ; b++) {
  const size = 1 + Math.floor(Math.random() * 400);
  const label = `r${round}-b${b}-n${size}`;
  const journeyId = `append-r${round}-j${Math.floor(Math.random() * 40)}`;
  const events: JourneyEvent[] = [];
  for (let i = 0; i < size; i++) {
    clock += 1000;
    const department = ['Intake', 'Assessment', 'Billing'][i % 3]!;
    events.push({
      id: uuidv7(),
      type: i % 2 === 0 ? 'WorkStarted' : 'WorkCompleted',
      journeyId,
      department,
      occurredAt: new Date(T0 + clock).toISOString(),
      schemaVersion: 1,
      correlationId: label,
      data: { activity: `step ${i % 7}` },
    });
  }
  await store.append(`journey-${journeyId}`, events);
  process.stdout.write(`acked ${label}\n`);
}
