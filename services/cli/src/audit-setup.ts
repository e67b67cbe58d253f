import { basename, join, resolve } from 'node:path';
import { parseDuration } from '@journeys/api';
import { fileKeyStore, openKeyRing, readDigests, recordErasure, withCryptoShredding, type DigestRecord, type ErasureRecord, type KeyRing, type ShreddingStore } from '@journeys/audit';
import type { EventStore } from '@journeys/event-store';
import { CliError } from './errors.ts';
import { storeHome, type JourneyConfig } from './config.ts';

export interface AuditPaths {
  dir: string;
  /** Ed25519 signing keys (0700 directory, 0600 private keys). */
  keysDir: string;
  /** The append-only digest log an operator ships elsewhere. */
  digestsFile: string;
  /** Per-customer data keys (crypto-shredding), mode 0600: JOURNEY_CUSTOMER_KEYS or here. */
  customerKeysFile: string;
  /** Signed record of every erasure. */
  erasuresFile: string;
}

/** Where the audit anchors of this store live: JOURNEY_AUDIT_DIR, or `<store file>.audit/` beside it. */
export function auditPaths(config: JourneyConfig): AuditPaths {
  const loc = config.storeLocation;
  const dir = config.auditDir !== undefined ? resolve(config.auditDir) : loc.kind === 'sqlite' ? join(storeHome(config), `${basename(resolve(loc.path))}.audit`) : join(storeHome(config), 'audit');
  return {
    dir,
    keysDir: join(dir, 'keys'),
    digestsFile: join(dir, 'digests.jsonl'),
    customerKeysFile: process.env.JOURNEY_CUSTOMER_KEYS?.trim() || join(dir, 'customer-keys.json'),
    erasuresFile: join(dir, 'erasures.jsonl'),
  };
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

/**
 * The store as every part of Journeys sees it: wrapped in crypto-shredding (personal fields
 * sealed per customer) unless JOURNEY_SHREDDING=off. Only the audit walk reads underneath.
 */
export function shreddedStore(config: JourneyConfig, store: EventStore): ShreddingStore | EventStore {
  if (process.env.JOURNEY_SHREDDING?.trim() === 'off') return store;
  return withCryptoShredding(store, fileKeyStore(auditPaths(config).customerKeysFile));
}

export function isShredding(store: EventStore): store is ShreddingStore {
  return typeof (store as Partial<ShreddingStore>).eraseCustomer === 'function';
}

/** Erases a customer: their keys go, a signed erasure record and a fresh digest stay. */
export function eraseCustomer(
  config: JourneyConfig,
  store: ShreddingStore,
  customerRef: string,
  by: string,
): { journeys: number; journeyIds: string[]; existed: boolean; record: ErasureRecord } {
  const result = store.eraseCustomer(customerRef);
  const audit = openAudit(config);
  const record = recordErasure(audit.paths.erasuresFile, { subjects: result.subjects, journeys: result.journeys.length, by }, audit.keys.current());
  return { journeys: result.journeys.length, journeyIds: result.journeys, existed: result.existed, record };
}
