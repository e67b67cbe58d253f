import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
import { connectNatsBus } from '@journeys/bus';
import { createEmitter } from '@journeys/emitter';
import { getSQLiteEventStore } from '@journeys/event-store';
import { startIngest } from '@journeys/ingest';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { startNatsServer } from './support/nats.ts';
const nats = await startNatsServer();
const bus = await connectNatsBus({ servers: nats.url });
const reg = new Registry();
const store = getSQLiteEventStore({ path: join(mkdtempSync(join(tmpdir(), 'lat-')), 's.db') });
const ingest = await startIngest({ bus, store, metrics: reg, logger: pino({ level: 'silent' }) });
const em = createEmitter({ department: 'Intake', bus });
const h = monitorEventLoopDelay({ resolution: 5 }); h.enable();
const lat: number[] = [];
const t0 = performance.now(); let sent = 0; const ps: Promise<unknown>[] = [];
while (sent < 20000) {
  const due = Math.min(20000, Math.floor((performance.now() - t0) / 1000 * 2000));
  for (; sent < due; sent++) { const t = performance.now(); ps.push(em.workStarted(`j${sent % 5000}`, { activity: 'x' }).then(() => lat.push(performance.now() - t))); }
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.all(ps);
while (ingest.counters.appended < 20000) await new Promise((r) => setTimeout(r, 5));
lat.sort((a, b) => a - b);
console.log('publish-ack latency p50', lat[10000]!.toFixed(1), 'p99', lat[19800]!.toFixed(1), 'max', lat[19999]!.toFixed(1));
console.log('event loop delay ms p50', (h.percentile(50) / 1e6).toFixed(1), 'p99', (h.percentile(99) / 1e6).toFixed(1), 'max', (h.max / 1e6).toFixed(1));
console.log((await reg.getSingleMetricAsString('journeys_ingest_batch_seconds')).split('\n').filter((l) => l.includes('bucket') || l.includes('count')).join('\n'));
console.log(ingest.counters);
await ingest.stop(); await bus.close(); await nats.stop();
