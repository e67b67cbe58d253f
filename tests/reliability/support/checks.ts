/**
 * The after-crash checks every crash suite makes: each acknowledged event stored exactly
 * once, nothing stored that nobody sent, the hash chain intact, nothing dead-lettered.
 */
import { expect } from 'vitest';
import type { EventStore } from '@journeys/event-store';
import type { NatsBus } from '@journeys/bus';

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Counts of each stored event id. */
export async function storedIdCounts(store: EventStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const e of store.readAll()) counts.set(e.event.id, (counts.get(e.event.id) ?? 0) + 1);
  return counts;
}

export async function expectExactlyOnce(store: EventStore, acked: Set<string>, sent: Set<string>): Promise<{ stored: number }> {
  const counts = await storedIdCounts(store);
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const lost = [...acked].filter((id) => !counts.has(id));
  const foreign = [...counts.keys()].filter((id) => !sent.has(id));
  expect({ twice: twice.length, lost: lost.length, foreign: foreign.length }).toEqual({ twice: 0, lost: 0, foreign: 0 });
  const verification = await store.verify();
  expect(verification).toMatchObject({ ok: true, checked: counts.size });
  return { stored: counts.size };
}

/** Waits until the durable ingest consumer has nothing pending and nothing un-acknowledged. */
export async function waitForConsumerDrained(bus: NatsBus, timeoutMs = 90_000): Promise<void> {
  const jsm = await bus.manager();
  await waitFor(
    'the ingest consumer to be drained (no pending, no un-acked message)',
    async () => {
      const info = await jsm.consumers.info('JOURNEY_EVENTS', 'journey-ingest').catch(() => undefined);
      return info !== undefined && info.num_pending === 0 && info.num_ack_pending === 0;
    },
    timeoutMs,
  );
}
