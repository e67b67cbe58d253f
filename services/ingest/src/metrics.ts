import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/** Ingest's Prometheus metrics, registered on the registry the API's /metrics exposes. */
export interface IngestMetrics {
  events: Counter<'outcome'>;
  deadLetters: Counter<'reason'>;
  naks: Counter;
  batchSeconds: Histogram;
  storeUp: Gauge;
  lastBatchSize: Gauge;
}

function once<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  // a second ingest on the same registry (tests, restarts) shares the series
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function ingestMetrics(registry: Registry = new Registry()): IngestMetrics {
  const registers = [registry];
  return {
    events: once(registry, 'journeys_ingest_events_total', () =>
      new Counter({ name: 'journeys_ingest_events_total', help: 'Events taken off the bus by outcome (appended, duplicate, dead_lettered)', labelNames: ['outcome'] as const, registers }),
    ),
    deadLetters: once(registry, 'journeys_ingest_dead_letters_total', () =>
      new Counter({ name: 'journeys_ingest_dead_letters_total', help: 'Messages sent to JOURNEY_DLQ by reason', labelNames: ['reason'] as const, registers }),
    ),
    naks: once(registry, 'journeys_ingest_naks_total', () =>
      new Counter({ name: 'journeys_ingest_naks_total', help: 'Messages handed back for redelivery because the store failed', registers }),
    ),
    batchSeconds: once(registry, 'journeys_ingest_batch_seconds', () =>
      new Histogram({
        name: 'journeys_ingest_batch_seconds',
        help: 'Time to validate, append and ack one pulled batch',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers,
      }),
    ),
    storeUp: once(registry, 'journeys_ingest_store_up', () => new Gauge({ name: 'journeys_ingest_store_up', help: '1 while the store accepts appends, 0 during an outage', registers })),
    lastBatchSize: once(registry, 'journeys_ingest_last_batch_size', () => new Gauge({ name: 'journeys_ingest_last_batch_size', help: 'Messages in the last pulled batch', registers })),
  };
}
