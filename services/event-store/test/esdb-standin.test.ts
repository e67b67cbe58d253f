import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION } from '@journeys/contracts';
import { EventStoreError, StoreUnavailableError, getEventStoreDBEventStore, type EventStore } from '../src/index.ts';

/**
 * The review's experiment (§3.1), as a test that runs without an EventStoreDB server: the real
 * client (@eventstore/db-client 6.2.1 and its grpc-js) against a stand-in `Streams.Read` and
 * `ServerFeatures` gRPC server that, like Kestrel, allows 100 concurrent streams per
 * connection and honours flow control. It is not EventStoreDB: it only shows what the
 * adapter does with the calls it opens. A read left open by an early exit holds one of those
 * streams for good; the 101st call then waits forever.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the client's generated protobuf classes, loaded untyped */
const req = createRequire(createRequire(import.meta.url).resolve('@eventstore/db-client'));
interface ReadCall {
  request: any;
  on(event: 'cancelled', listener: () => void): void;
  once(event: 'drain', listener: () => void): void;
  write(message: unknown): boolean;
  end(): void;
}
interface GrpcServer {
  addService(service: unknown, implementation: Record<string, unknown>): void;
  bindAsync(address: string, credentials: unknown, callback: (err: Error | null, port: number) => void): void;
  tryShutdown(callback: () => void): void;
  forceShutdown(): void;
}
// the client's own grpc-js, so that its service definitions and the server agree
const grpc = req('@grpc/grpc-js') as { Server: new (options: Record<string, unknown>) => GrpcServer; ServerCredentials: { createInsecure(): unknown } };
const streamsGrpc = req('../generated/streams_grpc_pb.js') as { StreamsService: unknown };
const streamsPb = req('../generated/streams_pb.js') as Record<string, any>;
const sharedPb = req('../generated/shared_pb.js') as Record<string, any>;
const featuresGrpc = req('../generated/serverfeatures_grpc_pb.js') as { ServerFeaturesService: unknown };
const featuresPb = req('../generated/serverfeatures_pb.js') as Record<string, any>;

interface StandIn {
  url: string;
  opened: number;
  active: number;
  cancelled: number;
  version: string;
  close(): Promise<void>;
}

const EVENTS = 2000;

function recorded(i: number): unknown {
  const { ReadResp } = streamsPb;
  const journeyId = `standin-${i % 50}`;
  const envelope = {
    id: randomUUID(),
    type: 'WorkStarted',
    journeyId,
    department: 'Intake',
    occurredAt: new Date(Date.parse('2026-03-01T09:00:00Z') + i * 1000).toISOString(),
    schemaVersion: CURRENT_SCHEMA_VERSION,
    data: { activity: 'triage '.repeat(60) }, // ~500 bytes, so a page fills the HTTP/2 window
  };
  const position = String(1000 + i * 700);
  const event = new ReadResp.ReadEvent.RecordedEvent();
  event.setId(new sharedPb.UUID().setString(envelope.id));
  event.setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(`journey-${journeyId}`)));
  event.setStreamRevision(String(Math.floor(i / 50)));
  event.setPreparePosition(position);
  event.setCommitPosition(position);
  event.getMetadataMap().set('type', envelope.type).set('content-type', 'application/json').set('created', String(BigInt(Date.now()) * 10_000n));
  event.setCustomMetadata(Buffer.from(JSON.stringify({ journeys: 1, hash: 'x'.repeat(64) })));
  event.setData(Buffer.from(JSON.stringify(envelope)));
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(event).setCommitPosition(position));
}

async function startStandIn(version: string): Promise<StandIn> {
  const server = new grpc.Server({ 'grpc.max_concurrent_streams': 100 });
  const history = Array.from({ length: EVENTS }, (_, i) => recorded(i));
  const state: StandIn = { url: '', opened: 0, active: 0, cancelled: 0, version, close: async () => {} };
  server.addService(streamsGrpc.StreamsService, {
    read(call: ReadCall) {
      state.opened++;
      state.active++;
      let open = true;
      const end = () => {
        if (open) state.active--;
        open = false;
      };
      call.on('cancelled', () => {
        state.cancelled++;
        end();
      });
      const options = call.request.getOptions();
      const count = Number(options.getCount());
      const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
      const all = options.getAll();
      const from = all?.hasPosition() ? Number(all.getPosition().getCommitPosition()) : undefined;
      const at = (r: unknown) => Number((r as { getEvent(): { getCommitPosition(): string } }).getEvent().getCommitPosition());
      // $all reads: forwards from a position include it, backwards exclude it (review F4)
      const order = backwards
        ? [...history].reverse().filter((r) => from === undefined || at(r) < from)
        : history.filter((r) => from === undefined || at(r) >= from);
      let i = 0;
      const pump = () => {
        while (open && i < Math.min(count, order.length)) {
          if (!call.write(order[i++])) return void call.once('drain', pump); // flow control, as the server does
        }
        if (open) {
          end();
          call.end();
        }
      };
      pump();
    },
  });
  server.addService(featuresGrpc.ServerFeaturesService, {
    getSupportedMethods(_call: unknown, callback: (err: null, value: unknown) => void) {
      callback(null, new featuresPb.SupportedMethods().setEventStoreServerVersion(state.version));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) => (err ? reject(err) : resolve(p))),
  );
  state.url = `esdb://127.0.0.1:${port}?tls=false`;
  state.close = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() => server.forceShutdown());
  return state;
}

const within = <T,>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} still waiting after ${ms} ms`)), ms))]);

async function settled(standIn: StandIn): Promise<void> {
  const deadline = Date.now() + 5000;
  while (standIn.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('EventStoreDB adapter against a stand-in gRPC server (real client, no EventStoreDB)', () => {
  let standIn: StandIn;
  let store: EventStore;
  beforeAll(async () => {
    standIn = await startStandIn('24.10.0.0');
    store = getEventStoreDBEventStore({ connectionString: standIn.url, readTimeoutMs: 5000 });
  });
  afterAll(async () => {
    await store?.close();
    await standIn?.close();
  });

  it('leaves no read open: 150 headPosition calls and 150 abandoned reads, then the next call answers', async () => {
    for (let i = 0; i < 150; i++) await within(store.headPosition(), 3000, `headPosition #${i + 1}`);
    for (let i = 0; i < 150; i++) {
      await within(
        (async () => {
          for await (const _ of store.readAll()) break;
        })(),
        3000,
        `abandoned read #${i + 1}`,
      );
    }
    expect(await within(store.headPosition(), 3000, 'headPosition after 300 calls')).toBe(1000 + (EVENTS - 1) * 700);
    await settled(standIn);
    // every call the adapter opened was finished or cancelled: none holds a stream
    expect(standIn.active).toBe(0);
    expect(standIn.opened).toBeGreaterThanOrEqual(301);
  }, 60_000);

  it('counts events after a position and finds the event at one, without arithmetic on positions', async () => {
    expect(await store.eventsAfter(1000 + 1996 * 700)).toBe(3);
    expect(await store.eventsAfter(0, { atMost: 5 })).toBe(5);
    expect((await store.eventAt(1000 + 5 * 700))?.position).toBe(1000 + 5 * 700);
    await settled(standIn);
    expect(standIn.active).toBe(0);
  });

  it('refuses a server older than 22.6 at connect, and one that does not answer is unavailable', async () => {
    const old = await startStandIn('21.10.9');
    const store21 = getEventStoreDBEventStore({ connectionString: old.url, readTimeoutMs: 2000 });
    try {
      const err = await store21.headPosition().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EventStoreError);
      expect(err).not.toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toMatch(/too old/);
    } finally {
      await store21.close();
      await old.close();
    }
    const gone = getEventStoreDBEventStore({ connectionString: 'esdb://127.0.0.1:9?tls=false', readTimeoutMs: 2000 });
    try {
      await expect(gone.headPosition()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(gone.append('journey-x', [])).rejects.toThrow(); // EmptyBatchError before any network
    } finally {
      await gone.close();
    }
  }, 30_000);
});
