/**
 * Renders infra/nats/cluster/nats-cluster.conf: the per-department permission model of
 * infra/nats/config.ts plus JetStream clustering. One file for the three nodes: each reads
 * its name from NATS_SERVER_NAME. `tsx infra/nats/cluster/render.ts > infra/nats/cluster/nats-cluster.conf`
 */
import { DEFAULT_DEPARTMENTS, renderNatsConfig } from '../config.ts';

const departments = process.argv.slice(2);
process.stdout.write(
  renderNatsConfig({
    departments: departments.length > 0 ? departments : DEFAULT_DEPARTMENTS,
    storeDir: '/data/jetstream',
    port: 4222,
    extra: `
server_name: $NATS_SERVER_NAME
# monitoring (/healthz, /jsz): keep it on the private network
http_port: 8222

# The three nodes form one JetStream domain. Streams are created with 3 replicas
# (NATS_STREAM_REPLICAS=3 for the ingest/API processes): any one node may be lost.
cluster {
  name: journeys
  listen: 0.0.0.0:6222
  # routes carry every message between nodes: authenticate them (the password, like the
  # users', comes from the environment and must start with a letter)
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
  }),
);
