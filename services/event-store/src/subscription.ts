import type { StoredEvent } from '@journeys/contracts';
import { StoreUnavailableError } from './errors.ts';
import type { SubscribeOptions, Subscription, SubscriptionStatus } from './port.ts';

/** Back-off between resume attempts: `minDelayMs · factor^(n−1)`, at most `maxDelayMs`, forever. */
export interface ResumeOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
}

/** One attempt at following the store from a checkpoint; it ends by throwing (a drop) or on close. */
export interface SubscriptionSource {
  events: AsyncIterable<StoredEvent>;
  close(): Promise<void> | void;
}

export interface ResumableOptions {
  options: SubscribeOptions;
  resume: ResumeOptions | undefined;
  /** Opens a source after `after`; calls `up()` once the store has answered. */
  open(after: number, up: () => void): SubscriptionSource;
  /** A drop worth resuming from (outage, failover) rather than a fault to report. */
  isTransient(err: unknown): boolean;
  /** The adapter's error for what is thrown to the consumer. */
  mapError(err: unknown): Error;
  /** Keeps track of open subscriptions for `close()` and `subscriptions()`. */
  registry: Set<Subscription>;
}

/**
 * The part of a subscription every adapter shares: deliver each event once, in position
 * order, and when the source drops, mark the subscription down, wait (back-off, as
 * Emmett's resubscribe: 100 ms × 1.5ⁿ) and open a new source after the last delivered
 * position, until it is closed. Events at or before that position are skipped, so a
 * source that re-sends its boundary (inclusive reads) cannot duplicate.
 */
export function resumableSubscription(r: ResumableOptions): Subscription {
  const minDelay = r.resume?.minDelayMs ?? 100;
  const maxDelay = r.resume?.maxDelayMs ?? 5000;
  const factor = r.resume?.factor ?? 1.5;
  const { signal, onStatus } = r.options;
  let after = r.options.after ?? 0;
  let done = false;
  let source: SubscriptionSource | undefined;
  let wakeSleep: (() => void) | undefined;
  const status: SubscriptionStatus = { state: 'up', since: new Date().toISOString(), resumes: 0 };

  const setState = (state: SubscriptionStatus['state'], reason?: string): void => {
    if (status.state === state && status.reason === reason) return;
    if (status.state === 'closed') return;
    status.state = state;
    status.since = new Date().toISOString();
    if (reason === undefined) delete status.reason;
    else status.reason = reason;
    onStatus?.({ ...status });
  };

  const onAbort = (): void => void subscription.close();
  const subscription: Subscription = {
    async close(): Promise<void> {
      if (done) return;
      done = true;
      r.registry.delete(subscription);
      signal?.removeEventListener('abort', onAbort);
      setState('closed', status.state === 'down' ? status.reason : undefined);
      wakeSleep?.();
      await source?.close();
    },
    status: () => ({ ...status }),
    [Symbol.asyncIterator]: () => iterator,
  };

  async function* run(): AsyncGenerator<StoredEvent> {
    let failures = 0;
    try {
      while (!done) {
        const current = r.open(after, () => {
          failures = 0;
          setState('up');
        });
        source = current;
        try {
          for await (const e of current.events) {
            if (done) return;
            if (e.position <= after) continue;
            after = e.position;
            status.lastPosition = after;
            failures = 0;
            if (status.state === 'down') setState('up');
            yield e;
          }
          if (done) return;
          throw new StoreUnavailableError('the store ended the subscription');
        } catch (err) {
          if (done) return;
          if (!r.isTransient(err)) {
            const mapped = r.mapError(err);
            setState('down', mapped.message);
            throw mapped;
          }
          failures++;
          setState('down', r.mapError(err).message);
        } finally {
          await current.close();
        }
        const delay = Math.min(maxDelay, minDelay * factor ** (failures - 1));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, delay);
          function finish(): void {
            clearTimeout(timer);
            wakeSleep = undefined;
            resolve();
          }
          wakeSleep = finish;
        });
        if (!done) status.resumes++;
      }
    } finally {
      await subscription.close();
    }
  }
  const iterator = run();
  r.registry.add(subscription);
  if (signal?.aborted) void subscription.close();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return subscription;
}
