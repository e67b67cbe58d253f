import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where per-subject data keys live: the port a KMS adapter implements (wrap/unwrap through
 * the KMS, keep only wrapped keys locally). Subjects are opaque ids (a digest of the
 * customer reference), so the key store never holds the reference itself.
 */
export interface SubjectKeyStore {
  /** The subject's key, created on first use; undefined when the subject was erased. */
  keyFor(subject: string): Buffer | undefined;
  /** The key if it exists (no creation). */
  existing(subject: string): Buffer | undefined;
  /** Destroys the key for ever; returns false when there was none. */
  erase(subject: string): boolean;
  isErased(subject: string): boolean;
  /** The subject a journey's events are sealed under (learnt from its JourneyStarted). */
  subjectOfJourney(journeyId: string): string | undefined;
  bindJourney(journeyId: string, subject: string): void;
  journeysOf(subject: string): string[];
  /** Makes new keys and bindings durable; called once per append batch, before the batch is written. */
  flush(): void;
}

/** A subject id: the first 32 hex digits of SHA-256 over a domain tag and the customer reference. */
export function subjectOfCustomer(customerRef: string): string {
  return createHash('sha256').update(`journeys-customer\u0000${customerRef}`).digest('hex').slice(0, 32);
}
export function subjectOfJourneyOnly(journeyId: string): string {
  return createHash('sha256').update(`journeys-journey\u0000${journeyId}`).digest('hex').slice(0, 32);
}

interface FileShape {
  version: 1;
  keys: Record<string, string>;
  erased: Record<string, string>;
  journeys: Record<string, string>;
}

/**
 * The embedded key store: one JSON file, mode 0600, rewritten atomically (temp file,
 * fsync, rename) on every change. An erased key is gone from the file and from memory;
 * what remains is the subject id and when it was erased.
 */
export function fileKeyStore(file: string): SubjectKeyStore {
  let state: FileShape = { version: 1, keys: {}, erased: {}, journeys: {} };
  if (existsSync(file)) state = { ...state, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<FileShape>) } as FileShape;
  const save = () => {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  };
  // New keys are written once per batch (one rewrite and fsync), never after the events they seal.
  let dirty = false;
  const journeysBySubject = new Map<string, string[]>();
  for (const [j, s] of Object.entries(state.journeys)) journeysBySubject.set(s, [...(journeysBySubject.get(s) ?? []), j]);

  return {
    keyFor(subject) {
      if (state.erased[subject]) return undefined;
      let k = state.keys[subject];
      if (k === undefined) {
        k = randomBytes(32).toString('base64');
        state.keys[subject] = k;
        dirty = true;
      }
      return Buffer.from(k, 'base64');
    },
    existing(subject) {
      const k = state.keys[subject];
      return k === undefined ? undefined : Buffer.from(k, 'base64');
    },
    erase(subject) {
      const had = state.keys[subject] !== undefined;
      delete state.keys[subject];
      state.erased[subject] ??= new Date().toISOString();
      save();
      dirty = false;
      return had;
    },
    isErased: (subject) => state.erased[subject] !== undefined,
    subjectOfJourney: (journeyId) => state.journeys[journeyId],
    bindJourney(journeyId, subject) {
      if (state.journeys[journeyId] === subject) return;
      state.journeys[journeyId] = subject;
      journeysBySubject.set(subject, [...(journeysBySubject.get(subject) ?? []), journeyId]);
      dirty = true;
    },
    flush() {
      if (!dirty) return;
      save();
      dirty = false;
    },
    journeysOf: (subject) => [...(journeysBySubject.get(subject) ?? [])],
  };
}
