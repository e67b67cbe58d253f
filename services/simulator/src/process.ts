import type { EventData, EventType } from '@journeys/contracts';
import type { WorkingHours } from './calendar.ts';
import type { Random } from './random.ts';

/**
 * A journey type is written as a process in the style of SimPy: a generator that yields
 * commands (emit an event, do a piece of work in a department, wait) and is resumed by the
 * engine when the command is done. Queueing is the engine's business: `work` waits for a
 * free worker in that department, so silo delays come out of load, not out of dice.
 */
export type Command =
  | { kind: 'emit'; department: string; type: EventType; data: Record<string, unknown>; actor?: string }
  | { kind: 'work'; department: string; activity: string; minutes: number; outcome?: string; priority: number }
  | { kind: 'wait'; ms: number };

/** What a `work` command resumes the process with. */
export interface WorkDone {
  actor: string;
  startedAt: number;
  completedAt: number;
}

export type Process = Generator<Command, void, WorkDone | undefined>;

export interface CaseContext {
  readonly journeyId: string;
  readonly journeyType: string;
  readonly customerRef: string;
  readonly rng: Random;
  /** Current simulation time (epoch ms). */
  now(): number;
}

export interface ArrivalProfile {
  /** Relative intensity per weekday, index 0 = Sunday. */
  weekday: readonly number[];
  /** Relative intensity per UTC hour, 24 entries. */
  hour: readonly number[];
}

export interface JourneyTypeDefinition {
  journeyType: string;
  /** Prefix of journey ids, e.g. `CLM`. */
  code: string;
  /** Default share of all arrivals. */
  share: number;
  arrivals: ArrivalProfile;
  run(c: CaseContext): Process;
}

export interface DepartmentDefinition {
  workers: number;
  hours: WorkingHours;
}

export function emit<T extends EventType>(department: string, type: T, data: EventData<T>, actor?: string): Command {
  const clean = Object.fromEntries(Object.entries(data as Record<string, unknown>).filter(([, v]) => v !== undefined));
  return actor === undefined ? { kind: 'emit', department, type, data: clean } : { kind: 'emit', department, type, data: clean, actor };
}

export function work(department: string, activity: string, minutes: number, options: { outcome?: string; priority?: number } = {}): Command {
  const cmd: Command = { kind: 'work', department, activity, minutes, priority: options.priority ?? 5 };
  if (options.outcome !== undefined) cmd.outcome = options.outcome;
  return cmd;
}

export function wait(ms: number): Command {
  return { kind: 'wait', ms };
}

export function* handoff(from: string, to: string, reason?: string): Process {
  yield emit(from, 'HandoffRequested', { toDepartment: to, reason });
}

/**
 * The department asks the customer for something and the case waits on them (not a silo
 * delay). Returns false when the customer never answers within `giveUpMs`.
 */
export function* waitOnCustomer(
  c: CaseContext,
  department: string,
  reason: string,
  options: { responseMs: number; giveUpMs: number; answers: boolean; channel?: string },
): Generator<Command, boolean, WorkDone | undefined> {
  yield emit(department, 'CustomerWaitStarted', { reason });
  yield emit(department, 'CustomerNotified', { channel: options.channel ?? 'email', message: `We need something from you: ${reason.toLowerCase()}.` });
  if (!options.answers) {
    yield wait(options.giveUpMs);
    return false;
  }
  yield wait(Math.min(options.responseMs, options.giveUpMs - 60_000));
  yield emit(department, 'CustomerWaitEnded', {});
  return true;
}

/** Log-normal working minutes with a floor, so no task takes zero time. */
export function minutes(c: CaseContext, median: number, sigma = 0.5, floor = 2): number {
  return Math.max(floor, c.rng.lognormal(median, sigma));
}
