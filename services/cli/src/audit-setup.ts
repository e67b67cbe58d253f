import { basename, join, resolve } from 'node:path';
import { parseDuration } from '@journeys/api';
import { openKeyRing, readDigests, type DigestRecord, type KeyRing } from '@journeys/audit';
import { CliError } from './errors.ts';
import { storeHome, type JourneyConfig } from './config.ts';

export interface AuditPaths {
  dir: string;
  /** Ed25519 signing keys (0700 directory, 0600 private keys). */
  keysDir: string;
  /** The append-only digest log an operator ships elsewhere. */
  digestsFile: string;
}

/** Where the audit anchors of this store live: JOURNEY_AUDIT_DIR, or `<store file>.audit/` beside it. */
export function auditPaths(config: JourneyConfig): AuditPaths {
  const loc = config.storeLocation;
  const dir = config.auditDir !== undefined ? resolve(config.auditDir) : loc.kind === 'sqlite' ? join(storeHome(config), `${basename(resolve(loc.path))}.audit`) : join(storeHome(config), 'audit');
  return { dir, keysDir: join(dir, 'keys'), digestsFile: join(dir, 'digests.jsonl') };
}

export function auditSchedule(config: JourneyConfig): { everyEvents: number; everyMs: number } {
  const everyEvents = Number(config.auditEveryEvents ?? '1000');
  if (!Number.isInteger(everyEvents) || everyEvents < 1) throw new CliError('JOURNEY_AUDIT_EVERY_EVENTS must be a positive integer');
  let everyMs: number;
  try {
    everyMs = parseDuration(config.auditEvery ?? '5m') * 1000;
  } catch (err) {
    throw new CliError(`JOURNEY_AUDIT_EVERY: ${(err as Error).message}`);
  }
  return { everyEvents, everyMs };
}

export function openAudit(config: JourneyConfig): { paths: AuditPaths; keys: KeyRing; digests: () => DigestRecord[] } {
  const paths = auditPaths(config);
  return { paths, keys: openKeyRing(paths.keysDir), digests: () => readDigests(paths.digestsFile) };
}
