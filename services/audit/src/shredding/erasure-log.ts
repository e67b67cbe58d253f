import { sign, verify, type KeyObject } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The record of every erasure: when, which subjects (digests, never the customer
 * reference), how many journeys, signed with the digest key so the record itself is
 * tamper-evident. JSON lines, mode 0600, append-only, shipped with the digests.
 */
export interface ErasureRecord {
  at: string;
  subjects: string[];
  journeys: number;
  by: string;
  keyId: string;
  signature: string;
}

const payload = (r: Omit<ErasureRecord, 'signature'>) => Buffer.from(`journeys-erasure-v1\n${r.at}\n${r.subjects.join(',')}\n${r.journeys}\n${r.by}\n${r.keyId}`);

export function recordErasure(file: string, fields: { subjects: string[]; journeys: number; by: string }, key: { keyId: string; privateKey: KeyObject }): ErasureRecord {
  const unsigned = { at: new Date().toISOString(), ...fields, keyId: key.keyId };
  const record = { ...unsigned, signature: sign(null, payload(unsigned), key.privateKey).toString('base64') };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return record;
}

export function readErasures(file: string): ErasureRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ErasureRecord);
}

export function erasureHolds(r: ErasureRecord, keys: ReadonlyMap<string, KeyObject>): boolean {
  const key = keys.get(r.keyId);
  const { signature, ...unsigned } = r;
  return !!key && verify(null, payload(unsigned), key, Buffer.from(signature, 'base64'));
}
