/**
 * The setting of the crash suites that kill a part of a running Journeys: a real nats-server,
 * `journey serve` as a child process on a SQLite file in a temp dir, a sender's NATS
 * connection and the store opened beside it; torn down after the suite, whatever the test
 * left running. The after-crash checks the suites share are here too.
 */
import { afterAll, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createAuth, type Auth } from '@journeys/api';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { startNatsServer, type NatsServerHandle } from '../../support/nats.ts';
import { httpDigest, rebuildDigest, type ReadModelDigest } from '../../support/read-models.ts';
import { startServeProcess, type ServeProcess } from '../../support/serve-process.ts';
import { tempDir } from '../../ingest/helpers.ts';
import { expectExactlyOnce, waitFor, waitForConsumerDrained } from './checks.ts';

export interface CrashRig {
  nats: NatsServerHandle;
  /** The environment `journey serve` runs with: start it again with the same. */
  env: Record<string, string>;
  auth: Auth;
  /** The senders' connection (name `<suite>-sender`). */
  bus: NatsBus;
  store: EventStore;
  /** The serving process now: a test that starts a new one assigns it here, so teardown finds it. */
  serve: ServeProcess;
}

/** Registers the teardown (afterAll) and returns what starts the rig inside the test. */
export function useCrashRig(suite: string): { start(): Promise<CrashRig> } {
  const parts: Partial<CrashRig> & { dir?: ReturnType<typeof tempDir> } = {};
  afterAll(async () => {
    await parts.serve?.kill();
    await parts.bus?.close();
    await parts.store?.close();
    await parts.nats?.stop();
    parts.dir?.remove();
  });
  return {
    async start() {
      const nats = (parts.nats = await startNatsServer());
      parts.dir = tempDir(`journeys-${suite}-`);
      const db = join(parts.dir.path, 'journeys.db');
      const secret = randomBytes(32).toString('base64url');
      parts.env = { JOURNEY_STORE: `sqlite:${db}`, NATS_URL: nats.url, JOURNEY_AUTH_SECRET: secret };
      parts.auth = createAuth({ secret });
      parts.serve = await startServeProcess({ env: parts.env });
      parts.bus = await connectNatsBus({ servers: nats.url, name: `${suite}-sender` });
      parts.store = getSQLiteEventStore({ path: db });
      // the same object as the teardown's: a restarted `serve` assigned to it is the one killed at the end
      return parts as CrashRig;
    },
  };
}

/**
 * Then, once ingest has caught up (un-acked deliveries of a killed process come back after
 * the ack wait): every event was acknowledged to its sender and is stored exactly once, the
 * chain verifies, and nothing is dead-lettered.
 */
export async function expectEveryEventStoredOnce(
  rig: Pick<CrashRig, 'bus' | 'store'>,
  events: ReadonlyArray<{ id: string }>,
  acked: Set<string>,
): Promise<void> {
  await waitFor('every event stored', async () => (await rig.store.eventsAfter(0)) >= events.length, 120_000);
  await waitForConsumerDrained(rig.bus);
  expect(acked.size).toBe(events.length);
  const { stored } = await expectExactlyOnce(rig.store, acked, new Set(events.map((e) => e.id)));
  expect(stored).toBe(events.length);
  expect(await rig.bus.deadLetters()).toEqual([]);
}

/** Every 25th journey: timelines and statuses are compared for a sample, to keep the HTTP reads short. */
const sample = (ids: string[]) => ids.filter((_, i) => i % 25 === 0);

export interface SampledRebuild {
  /** A rebuild from scratch over the store. */
  reference: ReadModelDigest;
  /** What the serving process must answer over HTTP: the reference without its position, statuses sampled. */
  expected: Omit<ReadModelDigest, 'position'>;
  /** The serving process's read models, read over HTTP with the same sample. */
  overHttp(url: string): Promise<unknown>;
}

/**
 * And the serving process's read models (once its projections caught up) equal a rebuild
 * from scratch; returns the rebuild, to compare the process with again later.
 */
export async function expectReadModelsEqualRebuild(
  rig: Pick<CrashRig, 'store' | 'serve'>,
  analystToken: string,
  asOf: string,
): Promise<SampledRebuild> {
  const reference = await rebuildDigest(rig.store, asOf);
  const { position: _p, ...unsampled } = reference;
  const expected = {
    ...unsampled,
    statuses: Object.fromEntries(sample(Object.keys(unsampled.statuses).sort()).map((id) => [id, unsampled.statuses[id]])),
  };
  await waitFor('the projections to catch up', async () => {
    const body = (await (await fetch(`${rig.serve.url}/readyz`)).json()) as { checks?: { projections?: { lag?: number } } };
    return body.checks?.projections?.lag === 0;
  });
  const rebuilt: SampledRebuild = { reference, expected, overHttp: (url) => httpDigest(url, analystToken, asOf, sample) };
  expectSameFigures(await rebuilt.overHttp(rig.serve.url), expected);
  return rebuilt;
}

const ORDER_STATISTICS = ['min', 'max', 'p50', 'p90', 'p99'] as const;

/**
 * Equal, except that the order statistics of a duration figure may differ within the
 * sketch's accuracy (0.5%, docs/read-store.md): a cell past 512 values is a sketch, and
 * one whose largest values were refolded away (late events arriving out of order, as a
 * crash makes them) answers its max from the sketch, where a rebuild in order knows it.
 * Counts, sums and means stay exact.
 */
export function expectSameFigures(actual: unknown, expected: unknown): void {
  const found: Array<[string, number, number]> = [];
  const strip = (a: unknown, e: unknown, path: string): unknown => {
    if (Array.isArray(e)) return Array.isArray(a) ? a.map((x, i) => strip(x, e[i], `${path}[${i}]`)) : a;
    if (e === null || typeof e !== 'object' || a === null || typeof a !== 'object') return a;
    const ao = a as Record<string, unknown>;
    const eo = e as Record<string, unknown>;
    const isStats = 'count' in eo && 'p99' in eo;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ao)) {
      if (isStats && (ORDER_STATISTICS as readonly string[]).includes(k) && typeof v === 'number' && typeof eo[k] === 'number') {
        found.push([`${path}.${k}`, v, eo[k]]);
        out[k] = eo[k];
      } else out[k] = strip(v, eo[k], `${path}.${k}`);
    }
    return out;
  };
  expect(strip(actual, expected, '')).toEqual(expected);
  const off = found.filter(([, got, want]) => Math.abs(got - want) > Math.abs(want) * 0.005 + 1e-9);
  expect(off.map(([path, got, want]) => `${path}: ${got} vs ${want}`)).toEqual([]);
}
