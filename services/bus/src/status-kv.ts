import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { CustomerStatus } from '@journeys/contracts';

/** The bucket stateless widget servers read (PRODUCT.md "Scale"). */
export const STATUS_BUCKET = 'JOURNEY_STATUS';

/**
 * The KV key of a journey's status. KV keys allow `[A-Za-z0-9_=/.-]` and use dots as
 * separators, while journey ids are free text: every UTF-8 byte outside `[A-Za-z0-9_-]` is
 * written `=XX` (hex), so ordinary ids (`claim-123`) stay readable and the mapping is one to one.
 */
export function statusKey(journeyId: string): string {
  let out = '';
  for (const byte of Buffer.from(journeyId, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of `statusKey`. */
export function journeyIdOfStatusKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === '=') {
      bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(key.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** What the publisher needs of the projections (`JourneyQueries` has it). */
export interface StatusSource {
  customerStatus(journeyId: string): CustomerStatus | undefined;
  onChange(listener: (change: { kind: string; journeyId?: string }) => void): () => void;
}

export interface StatusKvOptions {
  connection: NatsConnection;
  queries: StatusSource;
  /** Bucket replicas: 1 on one server, 3 on the cluster. Default 1. */
  replicas?: number;
  bucket?: string;
  /** Puts in flight at once. Default 256. */
  concurrency?: number;
  /** Errors (bucket unreachable, put refused): the journey is retried on the next change or retry. */
  onError?: (err: unknown) => void;
}

export interface StatusKvPublisher {
  readonly bucket: string;
  /** Resolves once every status changed so far is in the bucket (or failed and is waiting for a retry). */
  flushed(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes the customer status read model to a NATS KV bucket: one key per journey (see
 * `statusKey`), its value the `CustomerStatus` JSON the API serves at
 * `/api/journeys/{id}/status` (customer-safe: no actors, departments' reasons or other
 * customers), history 1. The bucket is created if missing, opened if there. Changes are
 * coalesced: a journey changed ten times while a put was in flight is put once more, with
 * its latest status; a status whose version was already put is skipped.
 */
export async function startStatusKvPublisher(options: StatusKvOptions): Promise<StatusKvPublisher> {
  const bucket = options.bucket ?? STATUS_BUCKET;
  const kv = await openBucket(options.connection, bucket, options.replicas ?? 1);
  const concurrency = options.concurrency ?? 256;
  const dirty = new Set<string>();
  /** Version last put per journey. */
  const published = new Map<string, number>();
  let inFlight = 0;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let idle: Array<() => void> = [];

  const settleIfIdle = () => {
    if (inFlight === 0 && (dirty.size === 0 || stopped || retryTimer)) for (const r of idle.splice(0)) r();
  };

  const pump = () => {
    while (!stopped && inFlight < concurrency && dirty.size > 0) {
      const journeyId = dirty.values().next().value as string;
      dirty.delete(journeyId);
      const status = options.queries.customerStatus(journeyId);
      if (!status || published.get(journeyId) === status.version) continue;
      inFlight++;
      kv.put(statusKey(journeyId), JSON.stringify(status))
        .then(
          () => published.set(journeyId, status.version),
          (err: unknown) => {
            dirty.add(journeyId);
            options.onError?.(err);
            // the bucket is away (NATS restarting...): try again in a while, not in a hot loop
            retryTimer ??= setTimeout(() => {
              retryTimer = undefined;
              pump();
            }, 1000);
          },
        )
        .finally(() => {
          inFlight--;
          if (!retryTimer) pump();
          settleIfIdle();
        });
    }
    settleIfIdle();
  };

  const unsubscribe = options.queries.onChange((change) => {
    if (change.kind !== 'journey' || change.journeyId === undefined) return;
    dirty.add(change.journeyId);
    if (!retryTimer && inFlight < concurrency) queueMicrotask(pump);
  });

  return {
    bucket,
    flushed: () =>
      new Promise<void>((resolve) => {
        idle.push(resolve);
        pump();
      }),
    async stop() {
      unsubscribe();
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      await new Promise<void>((resolve) => {
        idle.push(resolve);
        settleIfIdle();
      });
      idle = [];
    },
  };
}

/** Opens the existing bucket to read it (a widget server: `(await openStatusBucket(nc)).get(statusKey(id))`). */
export function openStatusBucket(nc: NatsConnection, bucket: string = STATUS_BUCKET): Promise<KV> {
  return new Kvm(nc).open(bucket);
}

/** Creates the bucket or opens it (idempotent; several processes may start at once). */
async function openBucket(nc: NatsConnection, bucket: string, replicas: number): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(bucket, { history: 1, replicas });
  } catch (err) {
    // another process created it between our lookup and our create
    if (/already in use|already exists/i.test((err as Error).message)) return openStatusBucket(nc, bucket);
    throw err;
  }
}

/**
 * Settings from the environment: `JOURNEY_STATUS_KV=off` turns the bucket off;
 * `JOURNEY_STATUS_KV_REPLICAS` (else `NATS_STREAM_REPLICAS`, else 1) sets its replicas.
 */
export function statusKvSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { enabled: boolean; replicas: number } {
  const enabled = !/^(off|false|0|no)$/i.test((env.JOURNEY_STATUS_KV ?? '').trim());
  const n = Number(env.JOURNEY_STATUS_KV_REPLICAS ?? env.NATS_STREAM_REPLICAS ?? '');
  return { enabled, replicas: Number.isInteger(n) && n > 0 ? n : 1 };
}
