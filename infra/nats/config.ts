/**
 * Renders a nats-server configuration for Journeys: JetStream on, one user per department
 * whose publish permission is limited to `journey.events.<its slug>.>`, and one service user
 * for ingest (and the API's HTTP ingress) that manages the streams, pulls, acks and
 * dead-letters. A department user may subscribe only under its own inbox prefix
 * (`_INBOX_<slug>.>`, see `departmentInboxPrefix`; the emitter connects with it): under
 * `_INBOX.>` it could read the JetStream acks and pull deliveries of ingest and the others.
 * It may also subscribe to its own silo alerts, `journey.alerts.<slug>`, and to no one else's.
 * Passwords are never written here: each is a `$VARIABLE` nats-server reads
 * from its environment (`JOURNEY_NATS_PASSWORD_<SLUG>` with `-` as `_`, upper-cased). nats-server
 * parses a variable's value as config: use passwords that start with a letter (or quote them).
 *
 *   tsx infra/nats/config.ts intake assessment billing > infra/nats/nats-server.conf
 */
import { departmentSlug } from '../../contracts/src/department.ts';
import { departmentInboxPrefix, departmentSubjectFilter, DLQ_SUBJECTS, EVENTS_SUBJECTS } from '../../contracts/src/subjects.ts';
import { ALERTS_SUBJECTS, alertSubject } from '../../contracts/src/alerts.ts';

export interface NatsConfigOptions {
  /** Department names as the organisation writes them ("V5 3rd"): their slugs make the users. */
  departments: string[];
  /** Service user name; default `ingest`. */
  ingestUser?: string;
  /** Client port; omitted: set on the command line (`-p`). */
  port?: number;
  /** JetStream store dir (`$VARIABLE`: read from the environment); omitted: set on the command line (`-sd`). */
  storeDir?: string;
  /** Literal passwords (tests only); otherwise `$JOURNEY_NATS_PASSWORD_*` variables. */
  passwords?: Record<string, string>;
  /** Extra top-level blocks (cluster, server_name...). */
  extra?: string;
}

export function passwordVariable(user: string): string {
  return `JOURNEY_NATS_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const q = (s: string) => JSON.stringify(s);

export function renderNatsConfig(options: NatsConfigOptions): string {
  const ingest = options.ingestUser ?? 'ingest';
  const password = (user: string) => (options.passwords?.[user] !== undefined ? q(options.passwords[user]) : `$${passwordVariable(user)}`);
  const slugs = [...new Set(options.departments.map(departmentSlug))].sort();
  if (slugs.includes(ingest)) throw new Error(`a department slug collides with the service user ${ingest}`);
  const departmentUsers = slugs.map(
    (slug) => `    # department ${slug}: may publish its own events only; JetStream acks come back on its own inbox prefix;
    # it may follow its own silo alerts (journey.alerts.<slug>), nobody else's
    {
      user: ${q(slug)}
      password: ${password(slug)}
      permissions: {
        publish: { allow: [${q(departmentSubjectFilter(slug))}] }
        subscribe: { allow: [${q(`${departmentInboxPrefix(slug)}.>`)}, ${q(alertSubject(slug))}] }
      }
    }`,
  );
  return `# Journeys nats-server configuration (rendered by infra/nats/config.ts: edit the department list there).
${options.port !== undefined ? `port: ${options.port}\n` : ''}
jetstream {
${options.storeDir !== undefined ? `  store_dir: ${options.storeDir.startsWith('$') ? options.storeDir : q(options.storeDir)}\n` : ''}  max_file_store: 64GB
  max_memory_store: 256MB
}

# An event is at most 64 KiB; a dead letter keeps up to 1 MB of what was sent.
max_payload: 2MB

authorization {
  users: [
    # ingest workers and the API's HTTP ingress: create/update the streams, publish for any
    # department (the API checks the caller's token), pull, ack, dead-letter, follow the
    # max-deliveries advisories, use KV buckets (customer status read model), and publish
    # the silo alerts of every department.
    {
      user: ${q(ingest)}
      password: ${password(ingest)}
      permissions: {
        publish: { allow: [${q(EVENTS_SUBJECTS)}, ${q(DLQ_SUBJECTS)}, ${q(ALERTS_SUBJECTS)}, "$JS.API.>", "$JS.ACK.>", "$KV.>", "_INBOX.>"] }
        subscribe: { allow: ["_INBOX.>", "$JS.EVENT.ADVISORY.>", "$KV.>"] }
      }
    }
${departmentUsers.join('\n')}
  ]
}
${options.extra ?? ''}`;
}

/** The departments of the shipped configuration and the demo; add yours and re-render. */
export const DEFAULT_DEPARTMENTS = ['Intake', 'Assessment', 'Billing', 'Legal', 'Support'];

if (import.meta.url === `file://${process.argv[1]}`) {
  const departments = process.argv.slice(2);
  process.stdout.write(renderNatsConfig({ departments: departments.length > 0 ? departments : DEFAULT_DEPARTMENTS }));
}
