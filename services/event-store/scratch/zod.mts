import { JourneyEventSchema, WorkCompletedSchema, isoInstant } from '@journeys/contracts';
import { z } from 'zod';
import { randomUUID, createHash, hash } from 'node:crypto';
const N = 100000;
const evs = Array.from({ length: N }, (_, i) => ({ id: randomUUID(), journeyId: `b${i}`, department: 'Assessment', occurredAt: new Date(1e12 + i * 37000).toISOString(), schemaVersion: 1, type: 'WorkCompleted' as const, data: { activity: 'review documents', outcome: 'approved', attributes: { 'org:resource': `User_${i % 50}`, cost: i % 100 } } }));
const time = (label: string, f: (e: any) => unknown) => { const c = process.cpuUsage(); for (const e of evs) f(e); const d = process.cpuUsage(c); console.log(label, ((d.user + d.system) / N).toFixed(2), 'µs'); };
for (let r = 0; r < 2; r++) {
time('union', (e) => JourneyEventSchema.safeParse(e));
time('variant', (e) => WorkCompletedSchema.safeParse(e));
const uuid = z.uuid();
time('uuid', (e) => uuid.safeParse(e.id));
time('iso', (e) => isoInstant.safeParse(e.occurredAt));
time('Date.parse', (e) => Date.parse(e.occurredAt));
time('createHash', (e) => createHash('sha256').update(e.id + e.occurredAt).digest('hex'));
time('crypto.hash', (e) => hash('sha256', e.id + e.occurredAt));
}
