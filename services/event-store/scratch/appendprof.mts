import { getSQLiteEventStore } from '../src/index.ts';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
rmSync('/tmp/appendprof', { recursive: true, force: true });
const s = getSQLiteEventStore({ path: '/tmp/appendprof/a.db' });
const DEPS = ['Intake', 'Assessment', 'Billing', 'Legal & Compliance', 'Support'];
let clock = Date.parse('2025-01-01T00:00:00Z');
const c0 = process.cpuUsage();
for (let k = 0; k < 60; k++) {
  const evs = Array.from({ length: 1000 }, (_, i) => ({ id: randomUUID(), journeyId: `b${k}`, department: DEPS[i % 5]!, occurredAt: new Date((clock += 37000)).toISOString(), schemaVersion: 1, type: 'WorkCompleted' as const, data: { activity: 'review documents', outcome: 'approved', attributes: { 'org:resource': `User_${i % 50}`, cost: i % 100 } } }));
  await s.append(`journey-b${k}`, evs);
}
const d = process.cpuUsage(c0);
console.log('cpu µs/event', (d.user + d.system) / 60000);
await s.close();
