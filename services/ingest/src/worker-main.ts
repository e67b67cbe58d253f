/**
 * A standalone ingest worker: `NATS_URL=nats://… JOURNEY_STORE=sqlite:./data/journeys.db tsx services/ingest/src/worker-main.ts`.
 * Several may run at once against the same durable consumer. Optional: NATS_USER / NATS_PASSWORD,
 * INGEST_BATCH (default 500), INGEST_ACK_WAIT_MS (default 5 000), INGEST_MAX_DELIVER (default 20).
 * SIGTERM/SIGINT finish the batch in hand and exit; SIGKILL loses nothing either (un-acked
 * messages come back after the ack wait and the store ignores ids it already has).
 */
import { pino } from 'pino';
import { openBus } from '@journeys/bus';
import { openEventStore } from '@journeys/event-store';
import { startIngest } from './ingest.ts';

const log = pino({ name: 'ingest-worker', level: process.env.LOG_LEVEL ?? 'info' });
const natsUrl = process.env.NATS_URL;
if (!natsUrl) {
  log.fatal('NATS_URL is not set: a separate ingest worker needs NATS (the in-process bus lives inside `journey serve`)');
  process.exit(2);
}
const int = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    log.fatal(`${name} must be a positive integer, got ${v}`);
    process.exit(2);
  }
  return n;
};

let store: ReturnType<typeof openEventStore>;
let bus: Awaited<ReturnType<typeof openBus>>;
try {
  store = openEventStore();
  // NATS_USER / NATS_PASSWORD / NATS_STREAM_REPLICAS are read by openBus
  bus = await openBus(natsUrl, { name: `journeys-ingest-${process.pid}` });
} catch (err) {
  log.fatal({ err }, `cannot start: ${(err as Error).message}`);
  process.exit(1);
}
const ackWaitMs = int('INGEST_ACK_WAIT_MS');
const maxDeliver = int('INGEST_MAX_DELIVER');
const batchSize = int('INGEST_BATCH');
const ingest = await startIngest({
  bus,
  store,
  logger: log,
  ...(batchSize ? { batchSize } : {}),
  consumer: { ...(ackWaitMs ? { ackWaitMs } : {}), ...(maxDeliver ? { maxDeliver } : {}) },
});
log.info({ bus: bus.describe(), store: store.describe() }, 'ingest worker ready');

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping');
  await ingest.stop();
  await bus.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
