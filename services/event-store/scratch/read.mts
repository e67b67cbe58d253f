import { getSQLiteEventStore } from '../src/index.ts';
import { Database } from '../src/sqlite/raw.ts';
import { COLUMNS } from '../src/sqlite/schema.ts';
import { randomUUID } from 'node:crypto';
const path = '/tmp/readbench/r.db';
const fs = await import('node:fs');
if (!fs.existsSync(path)) {
  const s = getSQLiteEventStore({ path });
  for (let k = 0; k < 200; k++) await s.append(`journey-${k}`, Array.from({ length: 1000 }, (_, i) => ({ id: randomUUID(), type: 'WorkCompleted' as const, journeyId: `${k}`, department: 'Assessment', occurredAt: new Date(1e12 + i * 1000).toISOString(), actor: 'ann', schemaVersion: 1, data: { activity: 'review', outcome: 'ok', attributes: { a: 'x', n: 1 } } })));
  await s.close();
}
function raw(mode: boolean) {
  const db = new Database(path, { readonly: true });
  const page = db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(mode);
  const t = performance.now(); let n = 0, c = 0;
  for (;;) { const rows = page.all(c, 1000) as any[]; for (const r of rows) { JSON.parse(mode ? r[14] : r.data); n++; } if (rows.length < 1000) break; c = mode ? rows.at(-1)[0] : rows.at(-1).position; }
  db.close(); return performance.now() - t;
}
async function adapter() {
  const s = getSQLiteEventStore({ path }); const t = performance.now(); let n = 0;
  for await (const e of s.readAll()) n++;
  await s.close(); return performance.now() - t;
}
for (let r = 0; r < 3; r++) console.log('objects', raw(false).toFixed(0), 'arrays', raw(true).toFixed(0), 'adapter', (await adapter()).toFixed(0));
