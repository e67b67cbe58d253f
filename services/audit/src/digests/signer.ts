import type { EventStore } from '@journeys/event-store';
import type { KeyRing } from './keys.ts';
import { appendDigest, lastDigest } from './log.ts';
import { signDigest, type DigestRecord } from './record.ts';

export interface DigestSignerOptions {
  store: EventStore;
  keys: KeyRing;
  /** The digest log file (JSON lines). */
  file: string;
  /** Sign when this many events were appended since the last digest. Default 1 000. */
  everyEvents?: number;
  /** …or when this long has passed with anything new. Default 5 minutes. */
  everyMs?: number;
  /** How often the head is looked at. Default 1 s. */
  pollMs?: number;
  /** Where else a digest goes (a JetStream subject): awaited, failures reported, never blocking the log. */
  publish?: (record: DigestRecord) => Promise<void>;
  onError?: (err: unknown) => void;
  now?: () => number;
}

export interface DigestSigner {
  /** Signs the current head now (if anything is new since the last digest). */
  signNow(): Promise<DigestRecord | undefined>;
  last(): DigestRecord | undefined;
  /** Stops the timer and signs a final digest, so a clean stop leaves the whole history signed. */
  stop(): Promise<void>;
}

/**
 * Signs the chain head at intervals: every N events and every M minutes, into the digest
 * log (and wherever `publish` sends it). The link signed is the store's own hash of the
 * event at the head, read back from the store, so a digest vouches for exactly what is on disk.
 */
export function startDigestSigner(options: DigestSignerOptions): DigestSigner {
  const { store, keys, file } = options;
  const everyEvents = options.everyEvents ?? 1000;
  const everyMs = options.everyMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let last = lastDigest(file);
  let lastAt = last ? Date.parse(last.signedAt) : now();
  let running: Promise<DigestRecord | undefined> | undefined;
  let stopped = false;

  const sign = async (): Promise<DigestRecord | undefined> => {
    let head;
    for await (const e of store.readAll({ direction: 'backwards', maxCount: 1 })) head = e;
    if (!head || head.hash === undefined || (last && head.position <= last.position)) return undefined;
    const record = signDigest({ position: head.position, headHash: head.hash, signedAt: new Date(now()).toISOString() }, last, keys.current());
    appendDigest(file, record);
    last = record;
    lastAt = now();
    if (options.publish) await options.publish(record).catch((err: unknown) => options.onError?.(err));
    return record;
  };
  const signNow = () => {
    // one at a time: two digests of the same head would fork the digest chain
    running = (running ?? Promise.resolve(undefined)).then(sign, sign);
    return running;
  };
  const tick = async () => {
    if (stopped) return;
    try {
      const head = await store.headPosition();
      const since = head - (last?.position ?? 0);
      if (since > 0 && (since >= everyEvents || now() - lastAt >= everyMs)) await signNow();
    } catch (err) {
      options.onError?.(err);
    }
  };
  const timer = setInterval(() => void tick(), options.pollMs ?? 1000);
  timer.unref();

  return {
    signNow,
    last: () => last,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
      try {
        await signNow();
      } catch (err) {
        options.onError?.(err);
      }
    },
  };
}
