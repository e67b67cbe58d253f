/**
 * The cluster's server config, one source for the compose cluster and the loopback one:
 * the per-department permission model of infra/nats/config.ts, TLS on the client port and
 * on the routes, and JetStream clustering. One file for the three nodes: each reads its
 * name, store, routes and certificate paths from its environment (NATS_SERVER_NAME,
 * NATS_STORE_DIR, NATS_ROUTES, NATS_TLS_CERT / NATS_TLS_KEY / NATS_TLS_CA); the loopback cluster (infra/nats/cluster/
 * loopback.ts) runs the same file with its ports on the command line.
 *
 *   tsx infra/nats/cluster/render.ts > infra/nats/cluster/nats-cluster.conf
 */
import { DEFAULT_DEPARTMENTS, renderNatsConfig } from '../config.ts';

export function renderClusterConfig(departments: readonly string[] = DEFAULT_DEPARTMENTS): string {
  return renderNatsConfig({
    departments: [...departments],
    storeDir: '$NATS_STORE_DIR',
    port: 4222,
    extra: `
server_name: $NATS_SERVER_NAME
# monitoring (/healthz, /jsz): keep it on the private network
http_port: 8222

# clients connect over TLS only (certificates: infra/nats/tls.ts for local use)
tls {
  cert_file: $NATS_TLS_CERT
  key_file: $NATS_TLS_KEY
  ca_file: $NATS_TLS_CA
  timeout: 2
}

# The three nodes form one JetStream domain. Streams are created with 3 replicas
# (NATS_STREAM_REPLICAS=3 for the ingest/API processes): any one node may be lost.
cluster {
  name: journeys
  listen: 0.0.0.0:6222
  # routes carry every message between nodes: TLS both ways, and a password (like the
  # users', from the environment; it must start with a letter)
  tls {
    cert_file: $NATS_TLS_CERT
    key_file: $NATS_TLS_KEY
    ca_file: $NATS_TLS_CA
    timeout: 2
  }
  authorization {
    user: route
    password: $JOURNEY_NATS_ROUTE_PASSWORD
    timeout: 2
  }
  # the route URLs must carry the same credentials; nats-server does not expand
  # variables inside strings, so they are written out by compose in NATS_ROUTES
  routes: $NATS_ROUTES
}
`,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const departments = process.argv.slice(2);
  process.stdout.write(renderClusterConfig(departments.length > 0 ? departments : DEFAULT_DEPARTMENTS));
}
