import type { AllStreamResolvedEvent, EventStoreDBClient, Position, ResolvedEvent } from '@eventstore/db-client';
import { BatchTooLargeError, EventStoreError, StoreUnavailableError } from '../errors.ts';

export type Lib = typeof import('@eventstore/db-client');
// Loaded on first use: the gRPC client costs ~300 ms to import, which SQLite users skip.
let libPromise: Promise<Lib> | undefined;
let lib: Lib | undefined;
export const loadLib = (): Promise<Lib> => (libPromise ??= import('@eventstore/db-client').then((m) => (lib = m)));

// The client's constants, spelled out so they need no import before the client loads.
export const START = 'start' as const;
export const END = 'end' as const;
export const FORWARDS = 'forwards' as const;
export const BACKWARDS = 'backwards' as const;
export const NO_STREAM = 'no_stream' as const;

/** The oldest server whose stream reads carry `$all` positions (before 22.6 they are all 2^64−1). */
export const MIN_SERVER_VERSION = [22, 6] as const;

export interface Connection {
  esdb: Lib;
  client: EventStoreDBClient;
}

/**
 * One client per store, created on first use. At connect the server's version is checked
 * (ServerFeatures, bounded by our own timer: that call has no deadline). A failure to reach
 * the server is not remembered (the next call tries again); a server that is too old or a
 * malformed connection string is.
 */
export function connector(connectionString: string, timeoutMs: number): { connect: () => Promise<Connection>; dispose: () => Promise<void> } {
  let pending: Promise<Connection> | undefined;
  return {
    connect: (): Promise<Connection> => {
      if (pending) return pending;
      const attempt = (async () => {
        const esdb = await loadLib();
        let client: EventStoreDBClient;
        try {
          client = esdb.EventStoreDBClient.connectionString(connectionString);
        } catch (err) {
          throw new EventStoreError(`invalid EventStoreDB connection string: ${(err as Error).message}`, { cause: err });
        }
        try {
          // `capabilities` is protected in the typings; it is the client's own cached ServerFeatures call.
          const features = (client as unknown as { capabilities: Promise<{ serverVersion: string }> }).capabilities;
          assertServerVersion((await withDeadline(features, timeoutMs, 'the server version')).serverVersion);
        } catch (err) {
          await client.dispose().catch(() => undefined);
          throw mapError(err);
        }
        return { esdb, client };
      })();
      pending = attempt;
      attempt.catch((err: unknown) => {
        if (err instanceof StoreUnavailableError && pending === attempt) pending = undefined;
      });
      return attempt;
    },
    dispose: async (): Promise<void> => {
      const current = pending;
      pending = undefined;
      if (current) await current.then(({ client }) => client.dispose()).catch(() => undefined);
    },
  };
}

/** Refuses servers before 22.6 (F2 of the review: their stream-read positions are the 2^64−1 sentinel). */
export function assertServerVersion(version: string): void {
  const m = /^(\d+)\.(\d+)/.exec(version);
  const [minMajor, minMinor] = MIN_SERVER_VERSION;
  if (!m) {
    throw new EventStoreError(`EventStoreDB did not report its version (${version}): servers before 21.10 do not; this adapter needs ${minMajor}.${minMinor} or later`);
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    throw new EventStoreError(`EventStoreDB ${version} is too old: this adapter needs ${minMajor}.${minMinor} or later (older servers report no positions on stream reads)`);
  }
}

/** A position from the client (an exact bigint) as the port's number; refuses the "no position" sentinel. */
export function toNumber(commit: bigint): number {
  if (commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EventStoreError(`EventStoreDB reported position ${commit} (the "no position" value of servers before 22.6)`);
  }
  return Number(commit);
}

export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): number | undefined {
  const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
  return commit === undefined ? undefined : toNumber(commit);
}

/** A checkpoint back to the client's shape: commit = prepare for every event written since v20 (review F1). */
export function toPosition(position: number): Position {
  const p = BigInt(position);
  return { commit: p, prepare: p };
}

export function isSystem(stream: string, type: string): boolean {
  return stream.startsWith('$') || type.startsWith('$');
}

/** The client's read streams: a Node Readable that must be cancelled to end the gRPC call. */
interface ClientRead<T> extends AsyncIterable<T> {
  cancel?(): Promise<void>;
  destroy(error?: Error): void;
}

/**
 * Iterates one client read and guarantees the gRPC call ends: on every early exit (the
 * caller's `break`, `maxCount` reached, an error) it is cancelled, since the client's
 * ReadStream never cancels on destroy and a leaked call holds one of the ~100 HTTP/2
 * streams of the connection forever (review §3.1). The client gives reads no deadline, so
 * the time spent waiting for the server (not for our consumer) is bounded here.
 */
export async function* drain<T>(read: ClientRead<T>, timeoutMs: number, what: string): AsyncGenerator<T> {
  let exhausted = false;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer = setTimeout(() => {
      timedOut = true;
      read.destroy(new StoreUnavailableError(`EventStoreDB did not answer ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
  };
  try {
    arm();
    for await (const item of read) {
      clearTimeout(timer);
      yield item;
      arm();
    }
    exhausted = true;
  } catch (err) {
    if (timedOut) throw new StoreUnavailableError(`EventStoreDB did not answer ${what} within ${timeoutMs} ms`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    if (!exhausted) {
      // cancel() waits for the call to be created, which may itself hang: don't wait.
      void read.cancel?.().catch(() => undefined);
      read.destroy();
    }
  }
}

export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`EventStoreDB did not answer ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** "Server Is Not Ready" / "Server Is Busy" come back as UnknownError (review F8). */
const TRANSIENT_UNKNOWN = /not ready|is busy|too busy|leader|timeout|timed out|unavailable/i;

/**
 * The client's errors as the port's: what a failover, a restart or a busy server raises
 * (not leader, not ready, busy, unavailable, deadline, server-side cancel, timeout) is
 * StoreUnavailableError, so the API answers 503 and ingest naks; access denied is a
 * configuration error; the rest pass as they are.
 */
export function mapError(err: unknown, stream = '$all', esdb: Lib | undefined = lib): Error {
  if (err instanceof EventStoreError) return err;
  if (!esdb) return err instanceof Error ? err : new EventStoreError(String(err));
  if (err instanceof esdb.MaxAppendSizeExceededError) return new BatchTooLargeError(stream, err.maxAppendSize);
  if (err instanceof esdb.StreamDeletedError) return new EventStoreError(`stream ${stream} has been deleted`, { cause: err });
  if (err instanceof esdb.AccessDeniedError) {
    return new EventStoreError(`EventStoreDB refused access (check the credentials in the connection string): ${err.message}`, { cause: err });
  }
  if (
    err instanceof esdb.UnavailableError ||
    err instanceof esdb.DeadlineExceededError ||
    err instanceof esdb.NotLeaderError ||
    err instanceof esdb.CancelledError ||
    err instanceof esdb.TimeoutError ||
    (err instanceof esdb.UnknownError && TRANSIENT_UNKNOWN.test(err.message))
  ) {
    return new StoreUnavailableError(`EventStoreDB is unavailable: ${(err as Error).message}`, { cause: err });
  }
  // gRPC status codes the client did not convert: UNAVAILABLE (14), DEADLINE_EXCEEDED (4), CANCELLED (1), RESOURCE_EXHAUSTED (8), ABORTED (10)
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && [1, 4, 8, 10, 14].includes(code)) {
    return new StoreUnavailableError(`EventStoreDB is unavailable: ${(err as Error).message}`, { cause: err });
  }
  return err instanceof Error ? err : new EventStoreError(String(err));
}
