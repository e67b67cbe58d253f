import { getSQLiteEventStore } from '/work/main/services/event-store/src/index.ts';
import { randomUUID as v7 } from 'node:crypto';
const s = getSQLiteEventStore({ path: '/tmp/smoke/x.db' });
const ev = (j: string) => ({ id: v7(), type: 'WorkStarted' as const, journeyId: j, department: 'Intake', occurredAt: new Date().toISOString(), schemaVersion: 1, data: { activity: 'triage' } });
const sub = s.subscribeAll();
(async () => { let n = 0; for await (const e of sub) { n++; if (n % 1000 === 0 || n < 3) console.log('sub', e.position); if (n === 3001) { await sub.close(); } } console.log('sub done', n); })();
const e1 = ev('a');
console.log(await s.append('journey-a', [e1], { expectedRevision: 'no_stream' }));
console.log(await s.append('journey-a', [e1]));
try { await s.append('journey-a', [ev('a')], { expectedRevision: 5 }); } catch (e) { console.log(String(e)); }
const batch = Array.from({ length: 3000 }, () => ev('b'));
let t = performance.now();
await s.append('journey-b', batch);
console.log('3000 in', performance.now() - t);
console.log((await s.readStream('journey-b', { direction: 'backwards', maxCount: 2 })).map((e) => e.revision));
let c = 0; for await (const e of s.readAll({ filter: { types: ['WorkStarted'], streamPrefix: 'journey-b' } })) c++;
console.log('readAll', c, await s.headPosition(), await s.verify());
await new Promise((r) => setTimeout(r, 500));
await s.close();
