/**
 * A real three-node JetStream cluster on loopback (infra/nats/cluster/loopback.ts: the
 * compose cluster's config, TLS and the permission model), streams at three replicas,
 * `journey serve`'s runtime on it. Under a load from three departments the stream leader
 * is SIGKILLed, then a follower (the cluster loses its quorum), then both come back:
 * every acknowledged event is stored exactly once, ingest follows the new leader without a
 * restart, and /readyz reports the outage and the recovery.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEmitter, type Emitter } from '@journeys/emitter';
import { startLoopbackCluster, type LoopbackCluster } from '../../infra/nats/cluster/loopback.ts';
import { loadConfig } from '../../services/cli/src/config.ts';
import { startRuntime, type Runtime } from '../../services/cli/src/runtime.ts';
import { natsServerAvailable } from '../support/nats.ts';
import { tempDir, waitFor } from './helpers.ts';

const DEPARTMENTS = ['Intake', 'Billing', 'Legal'];

describe.skipIf(!natsServerAvailable())('a three-node JetStream cluster losing its leader, then its quorum, under load', () => {
  const dir = tempDir('journeys-cluster-');
  let cluster: LoopbackCluster | undefined;
  let rt: Runtime | undefined;
  const emitters: Emitter[] = [];
  const saved = { ca: process.env.NATS_TLS_CA, replicas: process.env.NATS_STREAM_REPLICAS };

  afterAll(async () => {
    for (const e of emitters) await e.close().catch(() => undefined);
    await rt?.close();
    await cluster?.stop();
    process.env.NATS_TLS_CA = saved.ca;
    process.env.NATS_STREAM_REPLICAS = saved.replicas;
    if (saved.ca === undefined) delete process.env.NATS_TLS_CA;
    if (saved.replicas === undefined) delete process.env.NATS_STREAM_REPLICAS;
    dir.remove();
  }, 60_000);

  it('stores every acknowledged event exactly once, follows the new leader, and /readyz tells the outage', async () => {
    cluster = await startLoopbackCluster({ dir: join(dir.path, 'nats') });
    process.env.NATS_TLS_CA = cluster.tls.caFile;
    process.env.NATS_STREAM_REPLICAS = '3';
    const config = loadConfig({ JOURNEY_STORE: `sqlite:${join(dir.path, 'journeys.db')}`, NATS_URL: cluster.ingestUrl, JOURNEY_AUTH_SECRET: randomBytes(32).toString('base64url'), PORT: '0', HOST: '127.0.0.1' });
    rt = await startRuntime({ config, logger: pino({ level: 'silent' }), announce: () => {}, readStore: false, app: { readyMaxLag: 1_000_000 } });
    const runtime = rt;
    const ready = async () => (await fetch(`${runtime.url}/readyz`)).status === 200;
    await waitFor('ready on the cluster', ready, 30_000);

    // Load: three departments, each with its own user, over TLS, acks awaited (retrying while the bus is away)
    for (const department of DEPARTMENTS) {
      emitters.push(createEmitter({ department, servers: cluster.servers, user: department.toLowerCase(), pass: cluster.passwords.get(department.toLowerCase())!, tlsCaFile: cluster.tls.caFile, retryForMs: 120_000, attemptTimeoutMs: 2000 }));
    }
    const acked = new Set<string>();
    let failed = 0;
    let loading = true;
    const load = emitters.map(async (emitter, d) => {
      for (let n = 0; loading; n++) {
        const batch = Array.from({ length: 10 }, (_, i) => ({ type: 'WorkStarted' as const, journeyId: `c-${d}-${(n * 10 + i) % 50}`, data: { activity: 'review' } }));
        try {
          for (const r of await emitter.emitMany(batch)) acked.add(r.id);
        } catch {
          failed++;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    });
    await waitFor('a first load stored', async () => (await runtime.store.eventsAfter(0)) > 200, 30_000);

    // When the stream leader is killed
    const leader = await cluster.streamLeader('JOURNEY_EVENTS');
    expect(leader).toBeDefined();
    const leaderNode = cluster.nodes.find((n) => n.name === leader)!;
    await leaderNode.stop({ kill: true });
    // Then another node leads and ingest keeps storing, without a restart
    await waitFor('a new leader', async () => {
      const now = await cluster!.streamLeader('JOURNEY_EVENTS');
      return now !== undefined && now !== leader;
    }, 30_000);
    const before = await runtime.store.headPosition();
    await waitFor('ingest following the new leader', async () => (await runtime.store.eventsAfter(before)) > 100, 30_000);

    // When a follower is killed too (one node of three: no quorum)
    const currentLeader = await cluster.streamLeader('JOURNEY_EVENTS');
    const follower = cluster.nodes.find((n) => n.running() && n.name !== currentLeader)!;
    await follower.stop({ kill: true });
    // Then /readyz says not ready
    await waitFor('/readyz reporting the outage', async () => !(await ready()), 30_000);

    // When both come back
    await leaderNode.start();
    await follower.start();
    // Then /readyz recovers and the load goes on
    await waitFor('/readyz reporting the recovery', ready, 60_000);
    const after = await runtime.store.headPosition();
    await waitFor('storing again', async () => (await runtime.store.eventsAfter(after)) > 100, 30_000);
    // A load worth the name whatever the machine's speed: over a thousand acknowledged.
    await waitFor('over a thousand acknowledged', () => acked.size > 1000, 60_000);
    loading = false;
    await Promise.all(load);

    // Every acknowledged event stored, each exactly once
    await waitFor('every acknowledged event stored', async () => {
      let n = 0;
      for await (const e of runtime.store.readAll()) if (acked.has(e.event.id)) n++;
      return n === acked.size;
    }, 60_000);
    const seen = new Map<string, number>();
    for await (const e of runtime.store.readAll()) seen.set(e.event.id, (seen.get(e.event.id) ?? 0) + 1);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect([...acked].every((id) => seen.has(id))).toBe(true);
    expect(acked.size).toBeGreaterThan(1000);
    expect(runtime.ingest.counters.deadLettered).toBe(0);
    console.log(`cluster test: ${acked.size} acknowledged, ${seen.size} stored, ${failed} emitMany calls gave up`);
  }, 170_000);
});
