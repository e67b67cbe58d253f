/**
 * `pnpm bench soak [--minutes=10] [--rate=2000] [--quick]`: the product running for a long
 * time under a steady load, over a real nats-server, with live status readers.
 *
 *  - `journey serve` runs as its own process (NATS_URL set: JetStream bus, SQLite store), as an
 *    operator runs it;
 *  - this process publishes `--rate` events/s (10 ms ticks) over NATS as the departments
 *    would (each batch's JetStream ack awaited; what is not acked is resent with the same ids),
 *    realistic 10-event journeys, many in flight at once;
 *  - 50 customer status streams (SSE) follow journeys in progress, one replaced by a newer
 *    journey every 200 ms, plus one analyst change feed (`/api/stream`);
 *  - a reader follows the store (a second SQLite connection) and times every event from just
 *    before its publish to its commit in the store.
 *
 * Figures: throughput (acked and stored events/s), latency publish → JetStream ack (the
 * peer: the bus alone) and publish → stored (p50/p90/p99/max), the serving process's RSS and
 * heap at start and end (from its /metrics), dead letters, SSE messages, and the count check:
 * every acknowledged event stored exactly once. Not part of CI. Writes docs/benchmarks/soak.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuth } from '../services/api/src/index.ts';
import { connectNatsBus } from '../services/bus/src/index.ts';
import { getSQLiteEventStore } from '../services/event-store/src/index.ts';
import { startNatsServer, natsServerAvailable } from '../tests/support/nats.ts';
import { startServeProcess } from '../tests/support/serve-process.ts';
import { journeyOf } from '../tests/reliability/support/load.ts';
import type { JourneyEvent } from '../contracts/src/index.ts';

/** `--name=value` (what `pnpm bench` passes through) or `--name value` (running the file directly). */
const arg = (name: string): string | undefined => {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const quick = process.argv.includes('--quick');
const MINUTES = Number(arg('minutes') ?? (quick ? 0.5 : 10));
const RATE = Number(arg('rate') ?? (quick ? 1000 : 2000));
const SSE_CLIENTS = 50;
const TARGET_P99_MS = 25;
const TARGET_RSS_GROWTH = 1.5;
const command = `pnpm bench soak${quick ? ' --quick' : ''}${arg('minutes') ? ` --minutes=${MINUTES}` : ''}${arg('rate') ? ` --rate=${RATE}` : ''}`;

if (!natsServerAvailable()) {
  console.error('soak: nats-server is not installed');
  process.exit(2);
}
if (!(MINUTES > 0) || !(RATE > 0)) {
  console.error('soak: --minutes and --rate must be positive numbers');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'journeys-soak-'));
const db = join(dir, 'journeys.db');
const nats = await startNatsServer();
const secret = randomBytes(32).toString('base64url');
const auth = createAuth({ secret });
const serve = await startServeProcess({ env: { JOURNEY_STORE: `sqlite:${db}`, NATS_URL: nats.url, JOURNEY_AUTH_SECRET: secret, LOG_LEVEL: 'warn' } });
const admin = await auth.sign({ role: 'admin' });
const bus = await connectNatsBus({ servers: nats.url, name: 'soak-publisher' });
const store = getSQLiteEventStore({ path: db, pollIntervalMs: 5 });

async function memory(): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${serve.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
  const num = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: num('process_resident_memory_bytes'), heap: num('nodejs_heap_size_used_bytes') };
}

// ---- the store reader: publish → stored latency -------------------------------------
const sentAt = new Map<string, number>();
const storedLatency: number[] = [];
const ackLatency: number[] = [];
const storedCount = new Map<string, number>();
let duplicatesStored = 0;
const subscription = store.subscribeAll();
const reading = (async () => {
  for await (const e of subscription) {
    const n = (storedCount.get(e.event.id) ?? 0) + 1;
    storedCount.set(e.event.id, n);
    if (n > 1) duplicatesStored++;
    const t = sentAt.get(e.event.id);
    if (t !== undefined) {
      storedLatency.push(performance.now() - t);
      sentAt.delete(e.event.id);
    }
  }
})();

// ---- live status readers ------------------------------------------------------------
let sseMessages = 0;
let sseErrors = 0;
const streams: AbortController[] = [];
async function openStream(path: string): Promise<void> {
  const ac = new AbortController();
  streams.push(ac);
  try {
    const res = await fetch(serve.url + path, { signal: ac.signal, headers: { accept: 'text/event-stream' } });
    if (res.status !== 200 || !res.body) {
      if (res.status !== 404) sseErrors++; // a journey not ingested yet: 404, try another
      await res.body?.cancel();
      return;
    }
    const decoder = new TextDecoder();
    for await (const chunk of res.body) sseMessages += (decoder.decode(chunk).match(/^data: /gm) ?? []).length;
  } catch (err) {
    if ((err as Error).name !== 'AbortError') sseErrors++;
  }
}
void openStream(`/api/stream?token=${await auth.sign({ role: 'analyst' })}`);

// ---- the publisher ------------------------------------------------------------------
const acked = new Set<string>();
let published = 0;
let retries = 0;
let journeyIndex = 0;
const inFlight: JourneyEvent[][] = [];
function nextEvents(n: number): JourneyEvent[] {
  const out: JourneyEvent[] = [];
  while (out.length < n) {
    // 200 journeys in flight; each gives its next event in turn
    if (inFlight.length < 200) inFlight.push(journeyOf(`soak-${journeyIndex}`, journeyIndex++ % 10_000));
    const i = out.length % inFlight.length;
    const j = inFlight[i]!;
    out.push(j.shift()!);
    if (j.length === 0) inFlight.splice(i, 1);
  }
  return out;
}
async function publish(events: JourneyEvent[]): Promise<void> {
  let left = events;
  const t0 = performance.now();
  for (const e of left) sentAt.set(e.id, t0);
  while (left.length > 0) {
    const results = await bus.publish(left, { timeoutMs: 5000 }).catch(() => []);
    const t = performance.now();
    for (const r of results) if (r.ok && !acked.has(r.id)) {
      acked.add(r.id);
      ackLatency.push(t - t0);
    }
    left = left.filter((e) => !acked.has(e.id));
    if (left.length > 0) {
      retries++;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

console.log(`soak: ${MINUTES} min at ${RATE} events/s over ${nats.url}; journey serve at ${serve.url} (pid ${serve.pid})`);
await new Promise((r) => setTimeout(r, 1000));
const memStart = await memory();
const started = performance.now();
const endAt = started + MINUTES * 60_000;
const pending = new Set<Promise<void>>();
let lastRotate = started;
let streamJourney = 0;
const progress = setInterval(() => {
  const s = (performance.now() - started) / 1000;
  console.log(`  ${s.toFixed(0)} s: published ${published}, acked ${acked.size}, stored ${storedCount.size}, SSE messages ${sseMessages}`);
}, 30_000);
while (performance.now() < endAt) {
  const due = Math.floor(((performance.now() - started) / 1000) * RATE) - published;
  if (due > 0) {
    const batch = nextEvents(Math.min(due, RATE));
    published += batch.length;
    const p = publish(batch).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size > 200) await Promise.race(pending); // bounded: never more than 200 batches waiting for acks
  }
  if (performance.now() - lastRotate >= 200) {
    lastRotate = performance.now();
    // follow a journey started a moment ago (about 2 s of traffic back)
    const target = Math.max(0, journeyIndex - Math.ceil(RATE / 10) * 2);
    if (target > streamJourney) {
      streamJourney = target;
      if (streams.length > SSE_CLIENTS) streams.splice(1, 1)[0]!.abort();
      const id = `soak-${target}`;
      void openStream(`/api/journeys/${id}/status/stream?token=${await auth.sign({ role: 'customer', journeyId: id })}`);
    }
  }
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.all(pending);
const publishSeconds = (performance.now() - started) / 1000;
clearInterval(progress);

// ---- drain and check ----------------------------------------------------------------
const drainStart = performance.now();
while (storedCount.size < acked.size && performance.now() - drainStart < 120_000) await new Promise((r) => setTimeout(r, 100));
const drainSeconds = (performance.now() - drainStart) / 1000;
const memEnd = await memory();
const totalSeconds = (performance.now() - started) / 1000;
for (const s of streams) s.abort();
const deadLetters = (await bus.deadLetters({ limit: 100_000 })).length;
const lost = [...acked].filter((id) => !storedCount.has(id)).length;
const foreign = [...storedCount.keys()].filter((id) => !acked.has(id)).length;
await subscription.close();
await reading.catch(() => undefined);
await serve.stop();
await bus.close();
await store.close();
await nats.stop();
rmSync(dir, { recursive: true, force: true });

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (x: number) => `${(x / 1024 ** 2).toFixed(0)} MiB`;
const exactlyOnce = lost === 0 && duplicatesStored === 0 && foreign === 0;
const p99 = pct(storedLatency, 99);
const rssGrowth = memEnd.rss / memStart.rss;
const row = (name: string, xs: number[]) => `| ${name} | ${xs.length.toLocaleString('en')} | ${ms(pct(xs, 50))} | ${ms(pct(xs, 90))} | ${ms(pct(xs, 99))} | ${ms(xs.reduce((a, b) => Math.max(a, b), 0))} |`;

const report = `# Soak benchmark (journey serve over NATS, steady load, live status readers)

Command: \`${command}\` (\`bench/soak.bench.ts\`)${quick ? ' — QUICK run: not the reference figures' : ''}

Date: ${new Date().toISOString()}

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, nats-server 2.9 (JetStream, file storage). \`journey serve\` (SQLite store, JetStream bus, ingest, projections, API) is one process; nats-server another; the publisher, the ${SSE_CLIENTS} SSE readers and the store reader a third. All share the same 2 cores, and other engineers' work may have been running.

## Load

${MINUTES} min at ${RATE.toLocaleString('en')} events/s offered (10 ms ticks), 10-event journeys, 200 in flight; ${SSE_CLIENTS} customer status streams rotated to a newer journey every 200 ms, and one analyst change feed.

## Results

| measure | value | target | result |
|---|---:|---|---|
| events published / acknowledged by JetStream | ${published.toLocaleString('en')} / ${acked.size.toLocaleString('en')} | all | ${published === acked.size ? 'met' : 'NOT met'} |
| events stored (distinct ids) | ${storedCount.size.toLocaleString('en')} | = acknowledged | ${storedCount.size === acked.size ? 'met' : 'NOT met'} |
| count check: acknowledged but not stored / stored twice / stored but never sent | ${lost} / ${duplicatesStored} / ${foreign} | 0 / 0 / 0 | ${exactlyOnce ? 'met' : 'NOT met'} |
| dead letters | ${deadLetters} | 0 | ${deadLetters === 0 ? 'met' : 'NOT met'} |
| throughput acknowledged (publishing phase, ${publishSeconds.toFixed(0)} s) | ${(acked.size / publishSeconds).toFixed(0)} events/s | ≥ ${Math.round(RATE * 0.95)} (95% of offered) | ${acked.size / publishSeconds >= RATE * 0.95 ? 'met' : 'NOT met'} |
| throughput stored (until the last event, ${totalSeconds.toFixed(0)} s) | ${(storedCount.size / totalSeconds).toFixed(0)} events/s | — | — |
| drain after publishing stopped | ${drainSeconds.toFixed(1)} s | — | — |
| latency publish → stored, p99 | ${ms(p99)} | < ${TARGET_P99_MS} ms | ${p99 < TARGET_P99_MS ? 'met' : 'NOT met'} |
| serving process RSS, start → end | ${mb(memStart.rss)} → ${mb(memEnd.rss)} (× ${rssGrowth.toFixed(2)}) | × < ${TARGET_RSS_GROWTH} | ${rssGrowth < TARGET_RSS_GROWTH ? 'met' : 'NOT met'} |
| serving process heap used, start → end | ${mb(memStart.heap)} → ${mb(memEnd.heap)} | — (the read models grow with the journeys: expected) | — |
| SSE messages received / stream errors | ${sseMessages.toLocaleString('en')} / ${sseErrors} | errors 0 | ${sseErrors === 0 ? 'met' : 'NOT met'} |
| publish retries (batches resent) | ${retries} | — | — |

| latency | events | p50 | p90 | p99 | max |
|---|---:|---:|---:|---:|---:|
${row('publish → JetStream ack (the peer: the bus alone)', ackLatency)}
${row('publish → stored in SQLite (end to end)', storedLatency)}

Latencies are measured in the publisher's process: "stored" is when its own SQLite connection saw the
committed row (it polls every 5 ms), so the figure includes up to 5 ms of polling.
Memory is read from the serving process's \`/metrics\` (\`process_*\`, \`nodejs_*\`) 1 s after start and after the drain.
The in-memory read models hold every journey (PRODUCT.md: one machine, embedded store), so heap grows
with the history by design; what must not grow is anything per event in flight (buffers, queues).
`;
writeFileSync(fileURLToPath(new URL('../docs/benchmarks/soak.md', import.meta.url)), report);
console.log(report);
process.exit(exactlyOnce && deadLetters === 0 ? 0 : 1);
