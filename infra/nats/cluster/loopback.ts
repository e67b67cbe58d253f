/**
 * A real three-node JetStream cluster on loopback, running the compose cluster's own config
 * file (infra/nats/cluster/nats-cluster.conf: permissions, TLS, clustering) with each node's
 * ports and store dir on the command line. For the cluster test and the chaos bench; also
 * by hand:
 *
 *   tsx infra/nats/cluster/loopback.ts [dir]      # prints NATS_URL, NATS_TLS_CA and the credentials; Ctrl-C stops it
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEPARTMENTS } from '../config.ts';
import { ensureCredentials } from '../credentials.ts';
import { ensureLocalTls, type LocalTls } from '../tls.ts';

export const CLUSTER_CONFIG = fileURLToPath(new URL('./nats-cluster.conf', import.meta.url));

export interface ClusterNode {
  name: string;
  port: number;
  clusterPort: number;
  httpPort: number;
  url: string;
  pid(): number | undefined;
  running(): boolean;
  /** SIGKILL (default) or SIGTERM; waits for the exit. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts again on the same ports and store. */
  start(): Promise<void>;
}

export interface LoopbackCluster {
  nodes: ClusterNode[];
  /** All client URLs, comma-separated (NATS_URL without credentials). */
  servers: string;
  tls: LocalTls;
  passwords: ReadonlyMap<string, string>;
  /** NATS_URL for the ingest user, with TLS: what `journey serve` needs (with NATS_TLS_CA). */
  ingestUrl: string;
  /** The node currently leading `stream`, from the monitoring endpoint of a live node. */
  streamLeader(stream: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

const bin = process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((res) => {
    const s = tcpConnect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), res(true)));
    s.once('error', () => res(false));
  });

/** The departments are those of the rendered config file (DEFAULT_DEPARTMENTS unless re-rendered). */
export async function startLoopbackCluster(options: { dir: string }): Promise<LoopbackCluster> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tls = ensureLocalTls(join(dir, 'tls'));
  const credentials = ensureCredentials(join(dir, 'credentials.env'), DEFAULT_DEPARTMENTS);
  const routePassword = `r${randomBytes(12).toString('hex')}`;
  const ports = await Promise.all(Array.from({ length: 9 }, freePort));
  const specs = [0, 1, 2].map((i) => ({ name: `nats-${i + 1}`, port: ports[i * 3]!, clusterPort: ports[i * 3 + 1]!, httpPort: ports[i * 3 + 2]! }));
  const routes = `[${specs.map((s) => `"nats-route://route:${routePassword}@127.0.0.1:${s.clusterPort}"`).join(', ')}]`;

  const nodes: ClusterNode[] = specs.map((spec) => {
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let log = '';
    const node: ClusterNode = {
      ...spec,
      url: `nats://127.0.0.1:${spec.port}`,
      pid: () => child?.pid,
      running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
      async start() {
        if (node.running()) return;
        const args = ['-c', CLUSTER_CONFIG, '-a', '127.0.0.1', '-p', String(spec.port), '-m', String(spec.httpPort), '--cluster', `nats://127.0.0.1:${spec.clusterPort}`];
        child = spawn(bin, args, {
          env: {
            ...process.env,
            ...credentials.env,
            JOURNEY_NATS_ROUTE_PASSWORD: routePassword,
            NATS_SERVER_NAME: spec.name,
            NATS_STORE_DIR: join(dir, spec.name),
            NATS_ROUTES: routes,
            NATS_TLS_CERT: tls.certFile,
            NATS_TLS_KEY: tls.keyFile,
            NATS_TLS_CA: tls.caFile,
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const c = child;
        c.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
        exited = new Promise((r) => c.once('exit', () => r()));
        const deadline = Date.now() + 15_000;
        while (!(await canConnect(spec.port))) {
          if (!node.running() || Date.now() > deadline) throw new Error(`${spec.name} did not start: ${log.trim().split('\n').slice(-3).join(' / ')}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async stop(stopOptions = {}) {
        if (!node.running()) return;
        child!.kill(stopOptions.kill === false ? 'SIGTERM' : 'SIGKILL');
        await exited;
      },
    };
    return node;
  });
  const kill = () => {
    for (const n of nodes) if (n.running()) process.kill(n.pid()!, 'SIGKILL');
  };
  process.once('exit', kill);
  await Promise.all(nodes.map((n) => n.start()));

  const servers = nodes.map((n) => n.url).join(',');
  const ingest = encodeURIComponent(credentials.passwords.get('ingest')!);
  return {
    nodes,
    servers,
    tls,
    passwords: credentials.passwords,
    ingestUrl: nodes.map((n) => n.url.replace('nats://', `nats://ingest:${ingest}@`)).join(','),
    async streamLeader(stream: string) {
      for (const n of nodes) {
        if (!n.running()) continue;
        try {
          const res = await fetch(`http://127.0.0.1:${n.httpPort}/jsz?streams=true&accounts=true`);
          const body = (await res.json()) as { account_details?: Array<{ stream_detail?: Array<{ name: string; cluster?: { leader?: string } }> }> };
          for (const a of body.account_details ?? []) for (const s of a.stream_detail ?? []) if (s.name === stream && s.cluster?.leader) return s.cluster.leader;
        } catch {
          // that node is going away: ask the next
        }
      }
      return undefined;
    },
    async stop() {
      process.off('exit', kill);
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cluster = await startLoopbackCluster({ dir: process.argv[2] ?? './data/nats-cluster' });
  console.log(`NATS_URL=${cluster.ingestUrl}\nNATS_TLS_CA=${cluster.tls.caFile}\nNATS_STREAM_REPLICAS=3`);
  for (const [user, password] of cluster.passwords) console.log(`  ${user.padEnd(16)} ${password}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cluster.stop().then(() => process.exit(0)));
}
