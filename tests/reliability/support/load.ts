/**
 * Load for the crash suites: realistic journeys (10 events across three departments each),
 * a seeded random source (the seed is printed, so a failing round can be replayed with
 * RELIABILITY_SEED), and a sender that keeps resending what was not acknowledged, with the
 * same ids, the way a department system must.
 */
import { v7 as uuidv7 } from 'uuid';
import type { JourneyEvent } from '@journeys/contracts';
import type { EventBus } from '@journeys/bus';

/** `RELIABILITY_SCALE=full` runs the sizes the issue names; the default is the CI scale. */
export const FULL_SCALE = process.env.RELIABILITY_SCALE === 'full';

export function seededRandom(label: string): { seed: number; next: () => number; between: (lo: number, hi: number) => number } {
  const seed = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`[${label}] RELIABILITY_SEED=${seed}`);
  let a = seed >>> 0;
  const next = () => {
    // mulberry32: small, fast, good enough to place kills
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, between: (lo, hi) => lo + Math.floor(next() * (hi - lo)) };
}

const T0 = Date.parse('2026-01-05T08:00:00Z');

/** The ten events of one journey (Intake → Assessment → Billing), `index` spreading their times. */
export function journeyOf(journeyId: string, index: number): JourneyEvent[] {
  const t = (minutes: number) => new Date(T0 + index * 60_000 + minutes * 60_000).toISOString();
  const e = (type: string, department: string, minutes: number, data: object): JourneyEvent =>
    ({ id: uuidv7(), type, journeyId, department, occurredAt: t(minutes), schemaVersion: 1, data }) as JourneyEvent;
  return [
    e('JourneyStarted', 'Intake', 0, { journeyType: index % 3 === 0 ? 'loan' : 'claim', channel: 'web', customerRef: `c-${index}` }),
    e('WorkStarted', 'Intake', 3, { activity: 'Register' }),
    e('WorkCompleted', 'Intake', 9, { activity: 'Register' }),
    e('HandoffRequested', 'Intake', 10, { toDepartment: 'Assessment' }),
    e('WorkStarted', 'Assessment', 40 + (index % 17) * 7, { activity: 'Assess' }),
    e('WorkCompleted', 'Assessment', 200, { activity: 'Assess', outcome: 'ok' }),
    e('HandoffRequested', 'Assessment', 201, { toDepartment: 'Billing' }),
    e('WorkStarted', 'Billing', 260 + (index % 11) * 13, { activity: 'Pay out' }),
    e('WorkCompleted', 'Billing', 400, { activity: 'Pay out' }),
    e('JourneyCompleted', 'Billing', 401, { outcome: 'resolved' }),
  ];
}

/**
 * `count` events of `count / 10` journeys, interleaved the way live traffic arrives (many
 * journeys in flight at once), each journey's events still in order.
 */
export function liveLoad(count: number, prefix: string): JourneyEvent[] {
  const journeys = Math.ceil(count / 10);
  const per = Array.from({ length: journeys }, (_, i) => journeyOf(`${prefix}-${i}`, i));
  const out: JourneyEvent[] = [];
  const window = 200; // journeys in flight at once
  for (let base = 0; base < journeys; base += window) {
    const slice = per.slice(base, base + window);
    for (let step = 0; step < 10; step++) for (const j of slice) out.push(j[step]!);
  }
  return out.slice(0, count);
}

export interface SendStats {
  /** Ids whose sender saw an acknowledgement (JetStream ack, or HTTP 202 / `accepted`). */
  acked: Set<string>;
  /** Sends that failed and were repeated with the same ids. */
  retries: number;
  /** Events acknowledged over NATS, and over HTTP. */
  busAcks: number;
  httpAcks: number;
}

/**
 * Sends `events` in batches, alternating NATS (bus.publish) and HTTP (POST /api/events via
 * `httpUrl()`, which may change across restarts), resending whatever was not acknowledged
 * until everything is. `httpUrl()` returning undefined means "the server is down": the
 * batch goes over NATS instead.
 */
export async function sendAll(options: {
  events: JourneyEvent[];
  bus: EventBus;
  batch: number;
  httpUrl?: () => string | undefined;
  token?: string;
  stats: SendStats;
  signal?: AbortSignal;
  /** Pace: at most this many events per second on average (the load then spans the faults). */
  ratePerSecond?: number;
}): Promise<void> {
  const { events, bus, stats, batch } = options;
  const started = Date.now();
  for (let i = 0, n = 0; i < events.length; i += batch, n++) {
    if (options.ratePerSecond !== undefined) {
      const due = started + (i / options.ratePerSecond) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    let left = events.slice(i, i + batch);
    let attempt = 0;
    while (left.length > 0) {
      if (options.signal?.aborted) throw new Error('aborted');
      const url = options.httpUrl?.();
      const viaHttp = url !== undefined && (n + attempt) % 2 === 1;
      attempt++;
      if (viaHttp) {
        let res: Response | undefined;
        try {
          res = await fetch(`${url}/api/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
            body: JSON.stringify(left),
            signal: AbortSignal.timeout(15_000),
          });
        } catch {
          res = undefined; // the server died under the request: nothing known, resend all
        }
        if (res?.status === 202) {
          for (const e of left) stats.acked.add(e.id);
          stats.httpAcks += left.length;
          left = [];
          continue;
        }
        if (res?.status === 503) {
          const body = (await res.json()) as { accepted?: string[] };
          for (const id of body.accepted ?? []) stats.acked.add(id);
          left = left.filter((e) => !stats.acked.has(e.id));
        } else if (res) {
          await res.body?.cancel();
          if (res.status !== 429) throw new Error(`POST /api/events answered ${res.status}`);
        }
      } else {
        const results = await bus.publish(left, { timeoutMs: 3000 }).catch(() => []);
        for (const r of results) if (r.ok) stats.acked.add(r.id);
        stats.busAcks += results.filter((r) => r.ok).length;
        left = left.filter((e) => !stats.acked.has(e.id));
      }
      if (left.length > 0) {
        stats.retries++;
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * attempt)));
      }
    }
  }
}
