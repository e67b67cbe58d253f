import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { validateBatch } from '../src/validate.ts';
import { getSQLiteEventStore } from '../src/index.ts';
import { Database } from '../src/sqlite/raw.ts';
import { COLUMNS, openSchema } from '../src/sqlite/schema.ts';
rmSync('/tmp/split', { recursive: true, force: true });
const DEPS = ['Intake', 'Assessment', 'Billing', 'Legal & Compliance', 'Support'];
let clock = Date.parse('2025-01-01T00:00:00Z');
const mk = (k: number) => Array.from({ length: 1000 }, (_, i) => ({ id: randomUUID(), journeyId: `b${k}`, department: DEPS[i % 5]!, occurredAt: new Date((clock += 37000)).toISOString(), schemaVersion: 1, type: 'WorkCompleted' as const, data: { activity: 'review documents', outcome: 'approved', attributes: { 'org:resource': `User_${i % 50}`, cost: i % 100 } } }));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let v = 0, a = 0;
const s = getSQLiteEventStore({ path: '/tmp/split/a.db' });
for (let k = 0; k < 100; k++) { const evs = mk(k); let c = cpu(); validateBatch(evs); v += cpu() - c; c = cpu(); await s.append(`journey-b${k}`, evs); a += cpu() - c; }
await s.close();
console.log('validate ms', v.toFixed(0), 'append total ms', a.toFixed(0));
const src = new Database('/tmp/split/a.db'); const db = new Database('/tmp/split/b.db'); openSchema(db, 'normal', 1000);
const ins = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${process.env.OC ? " ON CONFLICT(id) DO NOTHING" : ""}`);
const page = src.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT 1000`).raw(true);
let r = 0; let cur = 0;
for (;;) { const rows = page.all(cur) as unknown[][]; if (!rows.length) break; cur = rows.at(-1)![0] as number; const c = cpu(); db.transaction(() => { for (const row of rows) ins.run(...row); })(); r += cpu() - c; }
console.log('raw ms', r.toFixed(0));
