import type { JourneyEvent } from '@journeys/contracts';
import type { EventSink } from './sink.ts';

export interface LiveOptions {
  signal?: AbortSignal;
  /** Wall clock; tests pass their own. */
  now?: () => number;
  /** Called after each batch is sent. */
  onSent?: (events: readonly JourneyEvent[]) => void;
  /** Called when a batch could not be sent (it is retried with the same ids). */
  onError?: (err: unknown) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Plays a simulation in real time: each event is sent when the wall clock reaches its
 * `occurredAt` (never ahead: receivers refuse events from the future). Events that are
 * already due go out together. A failed send is retried with the same ids until it works
 * or the signal aborts, so a bus restart loses nothing.
 */
export async function playLive(events: Iterator<JourneyEvent>, sink: EventSink, options: LiveOptions = {}): Promise<void> {
  const now = options.now ?? Date.now;
  const { signal } = options;
  let next = events.next();
  while (!next.done && !signal?.aborted) {
    const due = Date.parse(next.value.occurredAt);
    const wait = due - now();
    if (wait > 0) {
      await sleep(Math.min(wait, 60_000), signal);
      continue;
    }
    const batch: JourneyEvent[] = [];
    while (!next.done && Date.parse(next.value.occurredAt) <= now() && batch.length < 500) {
      batch.push(next.value);
      next = events.next();
    }
    for (let pause = 500; !signal?.aborted; pause = Math.min(pause * 2, 10_000)) {
      try {
        await sink.send(batch);
        options.onSent?.(batch);
        break;
      } catch (err) {
        options.onError?.(err);
        await sleep(pause, signal);
      }
    }
  }
}
