import type { EventType, JourneyEvent } from '@journeys/contracts';

/**
 * The part of a stored event the projections keep, in one fixed shape (V8 keeps such
 * objects small and fast) with repeated names interned: a rebuild holds every event of
 * every journey in memory, because a late event can land anywhere in its journey.
 * customerRef, correlation ids and imported attributes are deliberately not kept.
 */
export interface ProjectedEvent {
  readonly id: string;
  /** Global store position: the tie-breaker for equal occurredAt. */
  readonly position: number;
  /** occurredAt as epoch milliseconds (offsets honoured). */
  readonly t: number;
  readonly type: EventType;
  readonly department: string;
  readonly activity: string | undefined;
  readonly actor: string | undefined;
  /** HandoffRequested.toDepartment */
  readonly toDepartment: string | undefined;
  /** WorkCompleted.outcome / JourneyCompleted.outcome */
  readonly outcome: string | undefined;
  /** HandoffRequested.reason (analyst-only) */
  readonly reason: string | undefined;
  /** JourneyStarted fields */
  readonly journeyType: string | undefined;
  readonly channel: string | undefined;
  readonly promisedBy: number | undefined;
}

/** Interns the few distinct names (departments, activities, types) a history repeats millions of times. */
export class Interner {
  private readonly names = new Map<string, string>();
  get size(): number {
    return this.names.size;
  }
  intern(s: string): string;
  intern(s: string | undefined): string | undefined;
  intern(s: string | undefined): string | undefined {
    if (s === undefined) return undefined;
    const known = this.names.get(s);
    if (known !== undefined) return known;
    if (this.names.size < 1_000_000) this.names.set(s, s);
    return s;
  }
}

const sharedInterner = new Interner();

export function parseInstant(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`not an ISO-8601 instant: ${iso}`);
  return t;
}

/**
 * `t`, when the caller has it (the store's `occurred_ms` column), saves parsing
 * `occurredAt` again. Written without closures or per-event helpers: a rebuild calls it a
 * million times, so each field is read once and only the fields of the event's type.
 */
export function projectEvent(event: JourneyEvent, position: number, names: Interner = sharedInterner, t?: number): ProjectedEvent {
  const d = event.data as Record<string, unknown>;
  const type = event.type;
  let toDepartment: string | undefined;
  let outcome: string | undefined;
  let reason: string | undefined;
  let journeyType: string | undefined;
  let channel: string | undefined;
  let promisedBy: number | undefined;
  switch (type) {
    case 'HandoffRequested':
      toDepartment = names.intern(strOf(d.toDepartment));
      reason = strOf(d.reason);
      break;
    case 'WorkCompleted':
    case 'JourneyCompleted':
      outcome = names.intern(strOf(d.outcome));
      break;
    case 'JourneyStarted': {
      journeyType = names.intern(strOf(d.journeyType));
      channel = names.intern(strOf(d.channel));
      const promised = strOf(d.promisedBy);
      promisedBy = promised === undefined ? undefined : parseInstant(promised);
      break;
    }
    default:
      break;
  }
  return {
    id: event.id,
    position,
    t: t ?? parseInstant(event.occurredAt),
    type: names.intern(type) as EventType,
    department: names.intern(event.department),
    activity: names.intern(strOf(d.activity)),
    actor: names.intern(event.actor),
    toDepartment,
    outcome,
    reason,
    journeyType,
    channel,
    promisedBy,
  };
}

function strOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Timeline order: occurredAt, then store position (arrival order) for equal instants. */
export function compareEvents(a: ProjectedEvent, b: ProjectedEvent): number {
  return a.t - b.t || a.position - b.position;
}

/**
 * Inserts `e` into a journey's sorted events, in place. A duplicate id (the same event
 * delivered twice, possibly at two positions) counts once: the lowest position wins, so
 * the result does not depend on which copy came first.
 */
export function insertEvent(events: ProjectedEvent[], e: ProjectedEvent): 'added' | 'replaced' | 'unchanged' {
  // Fast path: appends in time order (a rebuild, live traffic).
  const n = events.length;
  let at: number;
  const last = events[n - 1];
  if (last === undefined || compareEvents(last, e) < 0) at = n;
  else {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEvents(events[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    at = lo;
  }
  // A duplicate carries the same occurredAt, so it sits among the neighbours with equal t.
  for (let i = at - 1; i >= 0 && events[i]!.t === e.t; i--) {
    if (events[i]!.id === e.id) return 'unchanged'; // the kept copy has the lower position already
  }
  let outcome: 'added' | 'replaced' = 'added';
  for (let i = at; i < n && events[i]!.t === e.t; i++) {
    if (events[i]!.id === e.id) {
      if (events[i]!.position <= e.position) return 'unchanged';
      events.splice(i, 1);
      outcome = 'replaced';
      break;
    }
  }
  if (at === events.length) events.push(e);
  else events.splice(at, 0, e);
  return outcome;
}
