/**
 * Child process for the crash test: appends batches to the store at argv[2] forever,
 * printing `acked <n>` after each append returns. The test kills it with SIGKILL.
 */
import { getSQLiteEventStore } from '../src/index.ts';
import { many } from './fixtures.ts';

const path = process.argv[2]!;
const batchSize = Number(process.argv[3] ?? 2000);
const round = process.argv[4] ?? '0';
const store = getSQLiteEventStore({ path });
for (let n = 0; ; n++) {
  await store.append(`journey-crash-${round}-${n}`, many(`crash-${round}-${n}`, batchSize), { expectedRevision: 'no_stream' });
  process.stdout.write(`acked ${n}\n`);
}
