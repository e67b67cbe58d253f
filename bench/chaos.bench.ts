/**
 * `pnpm bench chaos [--rounds 100]` (not in CI): a long chaos run on a real three-node
 * JetStream cluster on loopback (infra/nats/cluster/loopback.ts: the compose cluster's
 * config, TLS, permissions, R3 streams) with `journey serve` as a child process on a SQLite
 * file. Each round sends a load (realistic 10-event journeys, over NATS and HTTP, resending
 * what was not acknowledged with the same ids) and, in the middle of it, SIGKILLs one of:
 * `journey serve` (restarted), a follower node, or the stream leader (restarted after a
 * pause). After each round: every acknowledged event stored exactly once (0 lost, 0
 * doubled), nothing dead-lettered, and the serving process's read models equal a rebuild
 * from scratch. Writes docs/benchmarks/chaos.md; the counts go into docs/reliability.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { createAuth } from '../services/api/src/index.ts';
import { connectNatsBus } from '../services/bus/src/index.ts';
import { getSQLiteEventStore } from '../services/event-store/src/index.ts';
import { startLoopbackCluster } from '../infra/nats/cluster/loopback.ts';
import { natsServerAvailable } from '../tests/support/nats.ts';
import { startServeProcess, type ServeProcess } from '../tests/support/serve-process.ts';
import { httpDigest, rebuildDigest } from '../tests/support/read-models.ts';
import { liveLoad, seededRandom, sendAll, type SendStats } from '../tests/reliability/support/load.ts';

const arg = (name: string): string | undefined => {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('rounds') ?? 100);
const PER_ROUND = Number(arg('events') ?? 1000);
if (!Number.isInteger(ROUNDS) || ROUNDS <= 0 || !Number.isInteger(PER_ROUND) || PER_ROUND <= 0) {
  console.error('chaos: --rounds and --events must be positive whole numbers');
  process.exit(2);
}
if (!natsServerAvailable()) {
  console.error('chaos: nats-server is not installed');
  process.exit(2);
}

type Fault = 'serve' | 'follower' | 'leader';
const FAULTS: Fault[] = ['serve', 'follower', 'leader'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'journeys-chaos-'));
const cluster = await startLoopbackCluster({ dir: join(dir, 'nats') });
const db = join(dir, 'journeys.db');
const secret = randomBytes(32).toString('base64url');
const env = { JOURNEY_STORE: `sqlite:${db}`, NATS_URL: cluster.ingestUrl, NATS_TLS_CA: cluster.tls.caFile, NATS_STREAM_REPLICAS: '3', JOURNEY_AUTH_SECRET: secret };
const auth = createAuth({ secret });
const random = seededRandom('chaos');
let serve: ServeProcess = await startServeProcess({ env, timeoutMs: 120_000 });
const bus = await connectNatsBus({ servers: cluster.servers, user: 'ingest', pass: cluster.passwords.get('ingest')!, tlsCaFile: cluster.tls.caFile, manageStreams: false, name: 'chaos-sender' });
const store = getSQLiteEventStore({ path: db });
const token = await auth.sign({ role: 'admin' });
const analyst = await auth.sign({ role: 'analyst' });
const stats: SendStats = { acked: new Set(), retries: 0, busAcks: 0, httpAcks: 0 };
const rows: Array<{ round: number; fault: Fault; victim: string; acked: number; stored: number; lost: number; doubled: number; dead: number; readModelsEqual: boolean; seconds: number }> = [];
const started = Date.now();
let failure: string | undefined;

try {
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = Date.now();
    const fault = FAULTS[random.between(0, FAULTS.length)]!;
    const events = liveLoad(PER_ROUND, `r${round}`);
    let serving: string | undefined = serve.url;
    const sending = sendAll({ events, bus, batch: 50, httpUrl: () => serving, token, stats, ratePerSecond: 2000 });
    await sleep(random.between(100, 400));
    let victim = '';
    if (fault === 'serve') {
      victim = `journey serve (pid ${serve.pid})`;
      serving = undefined;
      await serve.kill();
      serve = await startServeProcess({ env, timeoutMs: 120_000 });
      serving = serve.url;
    } else {
      const leader = await cluster.streamLeader('JOURNEY_EVENTS');
      const node = fault === 'leader' ? cluster.nodes.find((n) => n.name === leader) : cluster.nodes.find((n) => n.running() && n.name !== leader);
      if (!node) throw new Error(`no ${fault} to kill (leader ${leader ?? 'unknown'})`);
      victim = node.name;
      await node.stop({ kill: true });
      await sleep(random.between(500, 2500));
      await node.start();
    }
    await sending;
    // every acknowledged event of the run so far, stored exactly once
    await waitFor('every acknowledged event stored', async () => (await store.headPosition()) >= stats.acked.size);
    await waitFor('the consumer drained', async () => {
      const info = await (await bus.manager()).consumers.info('JOURNEY_EVENTS', 'journey-ingest');
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
    const counts = new Map<string, number>();
    for await (const e of store.readAll()) counts.set(e.event.id, (counts.get(e.event.id) ?? 0) + 1);
    const lost = [...stats.acked].filter((id) => !counts.has(id)).length;
    const doubled = [...counts.values()].filter((c) => c > 1).length;
    const dead = (await (await fetch(`${serve.url}/api/dead-letters?limit=1000`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: unknown[] };
    // the serving process's read models equal a rebuild from scratch
    const asOf = new Date().toISOString();
    await waitFor('the projections caught up', async () => {
      const body = (await (await fetch(`${serve.url}/readyz`)).json()) as { checks?: { projections?: { lag?: number } } };
      return body.checks?.projections?.lag === 0;
    });
    const sample = (ids: string[]) => ids.filter((_, i) => i % 50 === 0);
    const { position: _p, ...reference } = await rebuildDigest(store, asOf);
    const live = await httpDigest(serve.url, analyst, asOf, sample);
    const expected = { ...reference, statuses: Object.fromEntries(Object.keys(live.statuses).map((id) => [id, reference.statuses[id]])) };
    const readModelsEqual = isDeepStrictEqual(live, expected);
    const row = { round, fault, victim, acked: stats.acked.size, stored: counts.size, lost, doubled, dead: dead.items.length, readModelsEqual, seconds: (Date.now() - t0) / 1000 };
    rows.push(row);
    console.log(`[round ${round}/${ROUNDS}] ${fault} (${victim}): ${row.acked} acked, ${row.stored} stored, lost ${lost}, doubled ${doubled}, dead letters ${row.dead}, read models ${readModelsEqual ? 'equal' : 'DIFFER from'} a rebuild (${row.seconds.toFixed(1)} s)`);
    if (lost > 0 || doubled > 0 || row.dead > 0 || !readModelsEqual) {
      failure = `round ${round} failed`;
      break;
    }
  }
} catch (err) {
  failure = (err as Error).message;
  console.error(`chaos: ${failure}`);
} finally {
  await serve.kill().catch(() => undefined);
  await bus.close().catch(() => undefined);
  await store.close().catch(() => undefined);
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}

const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0);
const byFault = (f: Fault) => rows.filter((r) => r.fault === f).length;
const last = rows.at(-1);
const md = `# Chaos run (three-node JetStream cluster, SIGKILLs under load)

Command: \`pnpm bench chaos --rounds ${ROUNDS}${arg('events') ? ` --events ${PER_ROUND}` : ''}\` (\`bench/chaos.bench.ts\`), seed ${random.seed} (\`RELIABILITY_SEED\`)

Date: ${new Date().toISOString()}; ${cpus().length} cores shared with other work; ${((Date.now() - started) / 60_000).toFixed(1)} minutes.

Setup: three nats-server 2.9 nodes on loopback running infra/nats/cluster/nats-cluster.conf (TLS, per-department users, R3 streams); \`journey serve\` as a child process (SQLite store); ${PER_ROUND} events per round (10-event journeys), half over NATS and half over HTTP, resent with the same ids until acknowledged.

| rounds run | of which: SIGKILL journey serve | a follower node | the stream leader | acknowledged events | stored | lost | doubled | dead letters | read models equal a rebuild | result |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|
| ${rows.length} of ${ROUNDS} | ${byFault('serve')} | ${byFault('follower')} | ${byFault('leader')} | ${last?.acked ?? 0} | ${last?.stored ?? 0} | ${sum((r) => r.lost)} | ${sum((r) => r.doubled)} | ${last?.dead ?? 0} | ${rows.every((r) => r.readModelsEqual) ? `yes, after each of the ${rows.length} rounds` : 'NO'} | ${failure ? `FAILED: ${failure}` : 'passed'} |

## Rounds

| round | fault | victim | acknowledged (cumulative) | stored | lost | doubled | read models = rebuild | seconds |
|---:|---|---|---:|---:|---:|---:|---|---:|
${rows.map((r) => `| ${r.round} | ${r.fault} | ${r.victim} | ${r.acked} | ${r.stored} | ${r.lost} | ${r.doubled} | ${r.readModelsEqual ? 'yes' : 'NO'} | ${r.seconds.toFixed(1)} |`).join('\n')}
`;
writeFileSync(fileURLToPath(new URL('../docs/benchmarks/chaos.md', import.meta.url)), md);
console.log(`wrote docs/benchmarks/chaos.md${failure ? ` (FAILED: ${failure})` : ''}`);
process.exit(failure ? 1 : 0);
