import { describe, expect, it } from 'vitest';
import * as esdb from '@eventstore/db-client';
import { EventStoreError, StoreUnavailableError } from '../src/index.ts';
import { assertServerVersion, mapError, toNumber } from '../src/esdb/client.ts';

/**
 * The EventStoreDB adapter's decisions that need no server: the version gate, the
 * "no position" sentinel, and which of the client's own errors mean "try again later"
 * (StoreUnavailableError: the API answers 503, ingest naks) rather than a fault.
 */
const grpc = (code: number, message: string, map: Record<string, string> = {}) => ({ code, message, details: message, metadata: { getMap: () => map } });

describe('EventStoreDB adapter without a server', () => {
  it('accepts servers from 22.6 on and refuses older or silent ones (their stream reads carry no positions)', () => {
    for (const ok of ['22.6.0', '22.10.2.0', '23.10.0', '24.10.14', '25.0.1']) expect(() => assertServerVersion(ok), ok).not.toThrow();
    for (const old of ['21.10.9', '22.4.0', '20.10.5', 'unknown', '']) expect(() => assertServerVersion(old), old).toThrow(EventStoreError);
  });

  it('refuses the 2^64−1 "no position" value instead of turning it into a position', () => {
    expect(toNumber(123_456n)).toBe(123_456);
    expect(() => toNumber(2n ** 64n - 1n)).toThrow(/no position/);
  });

  it('maps failover and outage errors of the client to StoreUnavailableError', () => {
    const transient = [
      new esdb.NotLeaderError(grpc(5, 'not leader', { 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' }) as never),
      new esdb.UnavailableError(grpc(14, 'connection refused') as never),
      new esdb.DeadlineExceededError(grpc(4, 'deadline exceeded') as never),
      new esdb.CancelledError(grpc(1, 'cancelled by the server') as never),
      new esdb.TimeoutError(grpc(10, 'timed out') as never),
      new esdb.UnknownError(undefined, 'Could not recognize Server Is Not Ready'),
      new esdb.UnknownError(undefined, 'Could not recognize Server Is Busy'),
      Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }),
    ];
    for (const err of transient) expect(mapError(err, 'journey-x', esdb), err.message).toBeInstanceOf(StoreUnavailableError);
  });

  it('keeps configuration and data faults apart from outages', () => {
    const denied = mapError(new esdb.AccessDeniedError(grpc(7, 'access denied') as never), 'journey-x', esdb);
    expect(denied).toBeInstanceOf(EventStoreError);
    expect(denied).not.toBeInstanceOf(StoreUnavailableError);
    expect(denied.message).toMatch(/credentials/);
    const unknown = mapError(new esdb.UnknownError(undefined, 'something else entirely'), 'journey-x', esdb);
    expect(unknown).not.toBeInstanceOf(StoreUnavailableError);
  });
});
