/**
 * Certificates for local use (the loopback cluster, a trial of the compose cluster): a CA
 * and one server certificate for every node name, valid for client, route and monitoring
 * TLS, made with openssl (Debian: `apt-get install openssl`). Production brings its own.
 *
 *   tsx infra/nats/tls.ts <dir> [name…]    # default names: localhost 127.0.0.1 nats-1 nats-2 nats-3
 *
 * Writes <dir>/ca.crt, <dir>/server.crt, <dir>/server.key (keys mode 0600). Existing files are kept.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';

export interface LocalTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export const DEFAULT_TLS_NAMES = ['localhost', '127.0.0.1', 'nats-1', 'nats-2', 'nats-3'];

export function ensureLocalTls(dir: string, names: readonly string[] = DEFAULT_TLS_NAMES): LocalTls {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tls = { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  if (existsSync(tls.caFile) && existsSync(tls.certFile) && existsSync(tls.keyFile)) return tls;
  const caKey = join(dir, 'ca.key');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', tls.caFile, '-days', '825', '-subj', '/CN=Journeys local CA']);
  const csr = join(dir, 'server.csr');
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', tls.keyFile, '-out', csr, '-subj', '/CN=journeys-nats']);
  const ext = join(dir, 'server.ext');
  const san = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  // routes authenticate each other with the same certificate: client and server use
  writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
  run(['x509', '-req', '-in', csr, '-CA', tls.caFile, '-CAkey', caKey, '-CAcreateserial', '-out', tls.certFile, '-days', '825', '-extfile', ext]);
  for (const f of [caKey, tls.keyFile]) chmodSync(f, 0o600);
  return tls;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, ...names] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: tsx infra/nats/tls.ts <dir> [name…]');
    process.exit(2);
  }
  const tls = ensureLocalTls(dir, names.length > 0 ? names : DEFAULT_TLS_NAMES);
  console.log(`CA ${tls.caFile}\ncertificate ${tls.certFile}\nkey ${tls.keyFile}`);
}
