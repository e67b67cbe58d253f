import { ERASED_PLACEHOLDER, type JourneyEvent, type StoredEvent } from '@journeys/contracts';
import { InvalidEventError, type EventStore, type PagedEvent, type StreamBatch, type Subscription } from '@journeys/event-store';
import { subjectOfCustomer, subjectOfJourneyOnly, type SubjectKeyStore } from './key-store.ts';
import { SealBrokenError, seal, sealedSubject, unseal } from './seal.ts';

export interface ShreddingStore extends EventStore {
  /** The store underneath, holding only ciphertext (for the audit walk that counts shredded events). */
  readonly inner: EventStore;
  readonly keys: SubjectKeyStore;
  /** Crypto-shreds a customer: destroys the keys of the customer and of each of its journeys. */
  eraseCustomer(customerRef: string): { subjects: string[]; journeys: string[]; existed: boolean };
}

/**
 * Crypto-shredding as a decorator around any EventStore: personal fields are sealed
 * (AES-256-GCM, one key per customer) before they reach the store, so the chain hashes
 * ciphertext; every read opens them again, and once the customer's key is erased they read
 * `[erased]` for ever while the chain (and every signed digest) still verifies. Projections,
 * exports and the audit API read through this, so they see what a reader may see.
 */
export function withCryptoShredding(inner: EventStore, keys: SubjectKeyStore): ShreddingStore {
  const subjectFor = (e: JourneyEvent): string => {
    if (e.type === 'JourneyStarted') {
      const subject = subjectOfCustomer(e.data.customerRef);
      keys.bindJourney(e.journeyId, subject);
      return subject;
    }
    return keys.subjectOfJourney(e.journeyId) ?? subjectOfJourneyOnly(e.journeyId);
  };
  const sealOne = (e: JourneyEvent): JourneyEvent => {
    if ((e.data as { sealed?: unknown }).sealed !== undefined)
      throw new InvalidEventError(`event ${e.id}: data.sealed is set by the store only`, e.id, [{ path: 'data.sealed', message: 'set by the store only', code: 'unrecognized_keys' }]);
    const subject = subjectFor(e);
    const key = keys.keyFor(subject);
    if (key) return seal(e, subject, key);
    // The customer was erased: new personal data about them is not kept either.
    return unseal(seal(e, subject, Buffer.alloc(32)), undefined);
  };
  const sealAll = (events: readonly JourneyEvent[]) => {
    const sealed = events.map(sealOne);
    keys.flush(); // the keys are on disk before any ciphertext they open
    return sealed;
  };
  const open = (e: JourneyEvent): JourneyEvent => {
    const subject = sealedSubject(e);
    if (subject === undefined) return e;
    try {
      return unseal(e, keys.existing(subject));
    } catch (err) {
      // Altered ciphertext: readers get a mark, never a crash; `audit verify` names the position.
      if (err instanceof SealBrokenError) return markTampered(unseal(e, undefined));
      throw err;
    }
  };
  const openStored = (s: StoredEvent): StoredEvent => ({ ...s, event: open(s.event) });

  const store: ShreddingStore = {
    inner,
    keys,
    append: (stream, events, options) => inner.append(stream, sealAll(events), options),
    appendMany: (batches: readonly StreamBatch[]) => {
      const sealed = batches.map((b) => ({ ...b, events: b.events.map(sealOne) }));
      keys.flush();
      return inner.appendMany(sealed);
    },
    readStream: async (stream, options) => (await inner.readStream(stream, options)).map(openStored),
    readAll(options) {
      const source = inner.readAll(options);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const s of source) yield openStored(s);
        },
      };
    },
    ...(inner.readAllPages
      ? {
          readAllPages(options?: Parameters<NonNullable<EventStore['readAllPages']>>[0]) {
            const source = inner.readAllPages!(options);
            return {
              async *[Symbol.asyncIterator]() {
                for await (const page of source) yield page.map((p: PagedEvent) => ({ ...p, event: open(p.event) }));
              },
            };
          },
        }
      : {}),
    subscribeAll(options) {
      const sub = inner.subscribeAll(options);
      const wrapped: Subscription = {
        close: () => sub.close(),
        status: () => sub.status(),
        async *[Symbol.asyncIterator]() {
          for await (const s of sub) yield openStored(s);
        },
      };
      return wrapped;
    },
    headPosition: () => inner.headPosition(),
    eventAt: async (position) => {
      const s = await inner.eventAt(position);
      return s === undefined ? undefined : openStored(s);
    },
    eventsAfter: (position, options) => inner.eventsAfter(position, options),
    subscriptions: () => inner.subscriptions(),
    describe: () => inner.describe(),
    verify: (options) => inner.verify(options),
    ping: () => inner.ping(),
    close: () => inner.close(),
    eraseCustomer(customerRef) {
      const subject = subjectOfCustomer(customerRef);
      const journeys = keys.journeysOf(subject);
      const existed = keys.existing(subject) !== undefined;
      const subjects = [subject, ...journeys.map(subjectOfJourneyOnly)];
      for (const s of subjects) keys.erase(s);
      return { subjects, journeys, existed };
    },
  };
  return store;
}

/** Counts events whose personal fields are shredded (sealed under an erased key): not tampering. */
export async function countShredded(store: ShreddingStore): Promise<number> {
  let n = 0;
  for await (const s of store.inner.readAll()) {
    const subject = sealedSubject(s.event);
    if (subject !== undefined && store.keys.existing(subject) === undefined && store.keys.isErased(subject)) n++;
  }
  return n;
}

export { ERASED_PLACEHOLDER };

function markTampered(e: JourneyEvent): JourneyEvent {
  const data = { ...(e.data as Record<string, unknown>) };
  for (const f of ['customerRef', 'reason', 'message'] as const) if (data[f] === ERASED_PLACEHOLDER) data[f] = '[tampered]';
  return { ...e, ...(e.actor === ERASED_PLACEHOLDER ? { actor: '[tampered]' } : {}), data } as JourneyEvent;
}
