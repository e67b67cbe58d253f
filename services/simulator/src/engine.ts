import { CURRENT_SCHEMA_VERSION, departmentSlug, type JourneyEvent } from '@journeys/contracts';
import { HOUR, isOpen, MINUTE, addWorkingTime, nextOpening } from './calendar.ts';
import { DEFAULT_DEPARTMENTS, PEOPLE } from './departments.ts';
import { Agenda } from './heap.ts';
import { eventId, journeyIdFor, runTag } from './ids.ts';
import { insuranceClaim } from './journeys/insurance-claim.ts';
import { itIncident } from './journeys/it-incident.ts';
import { loanApplication } from './journeys/loan-application.ts';
import { LARGE_ORG_DEPARTMENTS, largeOrgIncident } from './large-org.ts';
import type { CaseContext, Command, DepartmentDefinition, JourneyTypeDefinition, Process, WorkDone } from './process.ts';
import { Random } from './random.ts';

export const JOURNEY_TYPES: readonly JourneyTypeDefinition[] = [insuranceClaim, itIncident, loanApplication];
export type JourneyTypeName = 'insurance-claim' | 'it-incident' | 'loan-application';

export const DEFAULT_JOURNEYS_PER_DAY = 100;

export interface SimulationOptions {
  seed: number;
  /** Start of the simulated period (arrivals begin here). */
  start: Date | string | number;
  /**
   * End of the period: nothing after it is produced (cases still open stay open). Without
   * it the generator runs for ever, or, with `maxJourneys`, until every journey is closed.
   */
  end?: Date | string | number;
  /** Average arrivals per day over a week (weekdays get more, nights and weekends fewer). */
  journeysPerDay?: number;
  /** Stop arrivals after this many journeys. */
  maxJourneys?: number;
  /** Which journey types arrive; default all. */
  types?: readonly string[];
  /** Multiplies every department's head count (0.5 = half staffed). Default 1. */
  capacity?: number;
  /** Override staffing per department name. */
  departments?: Record<string, DepartmentDefinition>;
  /** `large`: 650 support teams in groups and divisions, IT incidents only (large-org.ts). Default `standard`. */
  org?: 'standard' | 'large';
}

type Action =
  | { kind: 'tick' }
  | { kind: 'arrive'; def: JourneyTypeDefinition }
  | { kind: 'emit'; c: Case; cmd: Extract<Command, { kind: 'emit' }> }
  | { kind: 'start'; c: Case; cmd: Extract<Command, { kind: 'work' }>; worker: string }
  | { kind: 'complete'; c: Case; cmd: Extract<Command, { kind: 'work' }>; worker: string; startedAt: number }
  | { kind: 'resume'; c: Case }
  | { kind: 'dispatch'; department: string };

interface Case {
  ctx: CaseContext;
  process: Process;
  n: number;
  lastEventId?: string;
  lastEventAt: number;
  lastActor: Map<string, string>;
}

interface Department {
  name: string;
  def: DepartmentDefinition;
  free: string[];
  queue: { c: Case; cmd: Extract<Command, { kind: 'work' }>; order: number }[];
  dispatchPending: boolean;
}

function toMs(t: Date | string | number, what: string): number {
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new Error(`${what} is not a valid date: ${String(t)}`);
  return ms;
}

/**
 * A discrete-event simulation of the organisation. Departments have workers and working
 * hours; cases queue for a free worker, so handoff delays grow with load. Everything that
 * happens goes through one agenda in time order and draws from one seeded generator, so
 * the output is sorted by `occurredAt`, identical for the same options, and causal: a
 * later `end` only adds events after the earlier one.
 */
export function* generateJourneys(options: SimulationOptions): Generator<JourneyEvent, void, undefined> {
  const start = toMs(options.start, 'start');
  const end = options.end === undefined ? Infinity : toMs(options.end, 'end');
  if (end < start) throw new Error('end is before start');
  const perDay = options.journeysPerDay ?? DEFAULT_JOURNEYS_PER_DAY;
  if (!(perDay >= 0)) throw new Error('journeysPerDay must be zero or more');
  const maxJourneys = options.maxJourneys ?? Infinity;
  const capacity = options.capacity ?? 1;
  if (!(capacity > 0)) throw new Error('capacity must be more than zero');

  const large = options.org === 'large';
  const catalogue = large ? [largeOrgIncident] : JOURNEY_TYPES;
  const wanted = options.types ?? catalogue.map((t) => t.journeyType);
  const types = catalogue.filter((t) => wanted.includes(t.journeyType));
  const unknown = wanted.filter((w) => !catalogue.some((t) => t.journeyType === w));
  if (unknown.length > 0 || types.length === 0) {
    throw new Error(`unknown journey type ${unknown.join(', ') || '(none given)'}; known: ${catalogue.map((t) => t.journeyType).join(', ')}`);
  }
  const shareTotal = types.reduce((s, t) => s + t.share, 0);
  // Mean of weekday x hour weights over a week, so the weekly average rate is `perDay`.
  const weekMean = new Map(
    types.map((t) => {
      let sum = 0;
      for (const w of t.arrivals.weekday) for (const h of t.arrivals.hour) sum += w * h;
      return [t, sum / (7 * 24)] as const;
    }),
  );

  const rng = new Random(options.seed);
  const tag = runTag(options.seed, start);
  const agenda = new Agenda<Action>();
  const departments = new Map<string, Department>();
  for (const [name, def] of Object.entries({ ...(large ? LARGE_ORG_DEPARTMENTS : DEFAULT_DEPARTMENTS), ...options.departments })) {
    const workers = Math.max(1, Math.round(def.workers * capacity));
    const slug = departmentSlug(name);
    const free = Array.from({ length: workers }, (_, i) => `${slug}/${PEOPLE[i % PEOPLE.length]}${i >= PEOPLE.length ? i : ''}`);
    departments.set(name, { name, def, free: free.reverse(), queue: [], dispatchPending: false });
  }
  const sequences = new Map<string, number>();
  let spawned = 0;
  let order = 0;
  let now = start;
  const out: JourneyEvent[] = [];

  const department = (name: string): Department => {
    const d = departments.get(name);
    if (!d) throw new Error(`the simulation has no department named ${name}`);
    return d;
  };

  const record = (c: Case, dept: string, type: JourneyEvent['type'], data: Record<string, unknown>, actor: string | undefined): void => {
    const id = eventId(c.ctx.journeyId, c.n++);
    const event = {
      id,
      type,
      journeyId: c.ctx.journeyId,
      department: dept,
      occurredAt: new Date(now).toISOString(),
      ...(actor ? { actor } : {}),
      data,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      correlationId: c.ctx.journeyId,
      ...(c.lastEventId ? { causationId: c.lastEventId } : {}),
    } as JourneyEvent;
    c.lastEventId = id;
    c.lastEventAt = now;
    out.push(event);
  };

  // Events of one journey are at least a second apart so its timeline has no ties.
  const nextSlot = (c: Case): number => Math.max(now, c.lastEventAt + 1000);

  const dispatch = (d: Department): void => {
    if (d.queue.length === 0 || d.free.length === 0) return;
    if (!isOpen(d.def.hours, now)) {
      if (!d.dispatchPending) {
        d.dispatchPending = true;
        agenda.push(nextOpening(d.def.hours, now), { kind: 'dispatch', department: d.name });
      }
      return;
    }
    while (d.free.length > 0 && d.queue.length > 0) {
      let best = 0;
      for (let i = 1; i < d.queue.length; i++) {
        const a = d.queue[i]!;
        const b = d.queue[best]!;
        if (a.cmd.priority < b.cmd.priority || (a.cmd.priority === b.cmd.priority && a.order < b.order)) best = i;
      }
      const [item] = d.queue.splice(best, 1);
      const worker = d.free.pop()!;
      // Picking a case up is not instantaneous: finishing the previous one, reading the file.
      const at = Math.max(now, item!.c.lastEventAt + 1000) + Math.round(rng.uniform(1, 10) * MINUTE);
      agenda.push(at, { kind: 'start', c: item!.c, cmd: item!.cmd, worker });
    }
  };

  const advance = (c: Case, value: WorkDone | undefined): void => {
    const step = c.process.next(value);
    if (step.done) return;
    const cmd = step.value;
    switch (cmd.kind) {
      case 'emit':
        agenda.push(nextSlot(c), { kind: 'emit', c, cmd });
        return;
      case 'wait':
        agenda.push(now + Math.max(0, Math.round(cmd.ms)), { kind: 'resume', c });
        return;
      case 'work': {
        const d = department(cmd.department);
        d.queue.push({ c, cmd, order: order++ });
        dispatch(d);
        return;
      }
    }
  };

  const spawn = (def: JourneyTypeDefinition): void => {
    const day = new Date(now).toISOString().slice(0, 10);
    const key = `${def.code}${day}`;
    const seq = (sequences.get(key) ?? 0) + 1;
    sequences.set(key, seq);
    const journeyId = journeyIdFor(def.code, tag, now, seq);
    const customerRef = `cust-${rng.int(0, 0xffffff).toString(16).padStart(6, '0')}${rng.int(0, 0xffff).toString(16).padStart(4, '0')}`;
    const ctx: CaseContext = { journeyId, journeyType: def.journeyType, customerRef, rng, now: () => now };
    const c: Case = { ctx, process: def.run(ctx), n: 0, lastEventAt: -Infinity, lastActor: new Map() };
    advance(c, undefined);
  };

  agenda.push(start, { kind: 'tick' });

  for (;;) {
    const next = agenda.pop();
    if (!next || next.time > end) return;
    now = next.time;
    const a = next.value;
    switch (a.kind) {
      case 'tick': {
        const hourStart = Math.max(start, Math.floor(now / HOUR) * HOUR);
        const hourEnd = Math.floor(now / HOUR) * HOUR + HOUR;
        const fraction = (hourEnd - hourStart) / HOUR;
        const date = new Date(hourStart);
        for (const t of types) {
          const weight = (t.arrivals.weekday[date.getUTCDay()] ?? 1) * (t.arrivals.hour[date.getUTCHours()] ?? 1);
          const mean = ((perDay * (t.share / shareTotal)) / 24) * (weight / weekMean.get(t)!) * fraction;
          const n = rng.poisson(mean);
          for (let i = 0; i < n; i++) agenda.push(hourStart + Math.floor(rng.next() * (hourEnd - hourStart)), { kind: 'arrive', def: t });
        }
        if (spawned < maxJourneys && hourEnd <= end) agenda.push(hourEnd, { kind: 'tick' });
        break;
      }
      case 'arrive':
        if (spawned < maxJourneys) {
          spawned++;
          spawn(a.def);
        }
        break;
      case 'emit': {
        const actor = a.cmd.actor ?? a.c.lastActor.get(a.cmd.department);
        record(a.c, a.cmd.department, a.cmd.type, a.cmd.data, actor);
        advance(a.c, undefined);
        break;
      }
      case 'start': {
        record(a.c, a.cmd.department, 'WorkStarted', { activity: a.cmd.activity }, a.worker);
        a.c.lastActor.set(a.cmd.department, a.worker);
        const d = department(a.cmd.department);
        const done = addWorkingTime(d.def.hours, now, Math.round(a.cmd.minutes * MINUTE));
        agenda.push(Math.max(done, now + 1000), { kind: 'complete', c: a.c, cmd: a.cmd, worker: a.worker, startedAt: now });
        break;
      }
      case 'complete': {
        const data: Record<string, unknown> = { activity: a.cmd.activity };
        if (a.cmd.outcome !== undefined) data.outcome = a.cmd.outcome;
        record(a.c, a.cmd.department, 'WorkCompleted', data, a.worker);
        const d = department(a.cmd.department);
        d.free.push(a.worker);
        dispatch(d);
        advance(a.c, { actor: a.worker, startedAt: a.startedAt, completedAt: now });
        break;
      }
      case 'resume':
        advance(a.c, undefined);
        break;
      case 'dispatch': {
        const d = department(a.department);
        d.dispatchPending = false;
        dispatch(d);
        break;
      }
    }
    if (out.length > 0) {
      yield* out;
      out.length = 0;
    }
  }
}

/** The whole run as an array, sorted by `occurredAt`. Needs an `end` or `maxJourneys`. */
export function simulateJourneys(options: SimulationOptions): JourneyEvent[] {
  if (options.end === undefined && options.maxJourneys === undefined) throw new Error('simulateJourneys needs an end or maxJourneys (generateJourneys runs for ever)');
  return [...generateJourneys(options)];
}
