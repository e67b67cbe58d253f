import { v7 as uuidv7 } from 'uuid';
import {
  CURRENT_SCHEMA_VERSION,
  departmentInboxPrefix,
  EventValidationError,
  type EventData,
  type EventType,
  type JourneyEvent,
  type ValidationProblem,
} from '@journeys/contracts';
import {
  BusBackpressureError,
  BusUnavailableError,
  checkEvent,
  connectNatsBus,
  natsBusFromConnection,
  plausibilityProblems,
  type EventBus,
  type NatsConnection,
  type PublishResult,
} from '@journeys/bus';

export interface EmitterOptions {
  /** The department, named as the organisation names it ("V5 3rd"); its slug makes the subject. */
  department: string;
  /** Exactly one of `bus`, `connection` or `servers`. */
  bus?: EventBus;
  /**
   * An open NATS connection (the emitter does not close it). With a department's user, open
   * it with `inboxPrefix: departmentInboxPrefix(department)`: that user may subscribe only there.
   */
  connection?: NatsConnection;
  /** NATS server URL(s); the emitter connects and owns the connection. */
  servers?: string | string[];
  user?: string;
  pass?: string;
  /** CA file (PEM) to trust when the servers use TLS with a private CA (`servers` only). */
  tlsCaFile?: string;
  /**
   * Inbox prefix of the connection the emitter opens (`servers`); default
   * `departmentInboxPrefix(department)` = `_INBOX_<slug>`, the only one a department's user
   * may subscribe under. Set it when `user` is not the department's (e.g. `_INBOX` for ingest).
   */
  inboxPrefix?: string;
  /**
   * Events accepted by emit() and not yet acked by the bus. Beyond it, emit() rejects at
   * once with BusBackpressureError instead of queueing without bound. Default 10 000.
   */
  maxPending?: number;
  /** How long an event is retried (same id) while the bus is away before emit() rejects; default 60 s. */
  retryForMs?: number;
  /** Ack wait of one publish attempt; default 5 s. */
  attemptTimeoutMs?: number;
}

/** Optional envelope fields of one emit. */
export interface EmitMeta {
  /** Default: a new UUIDv7. Pass the same id to retry an emit yourself: the bus and store count it once. */
  id?: string;
  /** Default: now. When it happened at the source. */
  occurredAt?: string | Date;
  actor?: string;
  correlationId?: string;
  causationId?: string;
}

export type EmitInput = {
  [T in EventType]: { type: T; journeyId: string; data: EventData<T> } & EmitMeta;
}[EventType];

export interface EmitResult {
  id: string;
  /** The bus already had this id (a retry): nothing new was stored. */
  duplicate: boolean;
  event: JourneyEvent;
}

/** The bus refused the event for good (e.g. a permissions violation): retrying will not help. */
export class EmitRejectedError extends Error {
  override name = 'EmitRejectedError';
  constructor(readonly eventId: string, reason: string) {
    super(`the bus refused event ${eventId}: ${reason}`);
  }
}

export interface Emitter {
  readonly department: string;
  /** Resolves once connected (emits wait for it anyway). */
  ready(): Promise<void>;
  emit(input: EmitInput): Promise<EmitResult>;
  /** Validates all first (nothing is sent if one is invalid), then publishes them together. */
  emitMany(inputs: readonly EmitInput[]): Promise<EmitResult[]>;
  journeyStarted(journeyId: string, data: EventData<'JourneyStarted'>, meta?: EmitMeta): Promise<EmitResult>;
  handoffRequested(journeyId: string, data: EventData<'HandoffRequested'>, meta?: EmitMeta): Promise<EmitResult>;
  workStarted(journeyId: string, data: EventData<'WorkStarted'>, meta?: EmitMeta): Promise<EmitResult>;
  workCompleted(journeyId: string, data: EventData<'WorkCompleted'>, meta?: EmitMeta): Promise<EmitResult>;
  customerWaitStarted(journeyId: string, data: EventData<'CustomerWaitStarted'>, meta?: EmitMeta): Promise<EmitResult>;
  customerWaitEnded(journeyId: string, data?: EventData<'CustomerWaitEnded'>, meta?: EmitMeta): Promise<EmitResult>;
  customerNotified(journeyId: string, data: EventData<'CustomerNotified'>, meta?: EmitMeta): Promise<EmitResult>;
  journeyCompleted(journeyId: string, data: EventData<'JourneyCompleted'>, meta?: EmitMeta): Promise<EmitResult>;
  /** Events accepted and not yet acked. */
  pending(): number;
  /** Waits until nothing is pending. */
  flush(): Promise<void>;
  /** Flushes, then closes what the emitter opened. */
  close(): Promise<void>;
}

/**
 * The department SDK: typed helpers per event type, ids and times filled in, validation
 * before anything leaves, the JetStream ack awaited, retries with the same id while the bus
 * is away (harmless: `Nats-Msg-Id` = id), and a bounded number of events in flight.
 */
export function createEmitter(options: EmitterOptions): Emitter {
  const sources = [options.bus, options.connection, options.servers].filter((x) => x !== undefined).length;
  if (sources !== 1) throw new TypeError('createEmitter needs exactly one of bus, connection or servers');
  const { department } = options;
  const maxPending = options.maxPending ?? 10_000;
  const retryForMs = options.retryForMs ?? 60_000;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;

  const owned = options.servers !== undefined;
  const connectBus = (): Promise<EventBus> =>
    options.bus
      ? Promise.resolve(options.bus)
      : options.connection
        ? natsBusFromConnection(options.connection, { manageStreams: false, ownsConnection: false })
        : connectNatsBus({
            servers: options.servers!,
            ...(options.user !== undefined ? { user: options.user } : {}),
            ...(options.pass !== undefined ? { pass: options.pass } : {}),
            ...(options.tlsCaFile !== undefined ? { tlsCaFile: options.tlsCaFile } : {}),
            name: `journeys-emitter-${department}`,
            // the department's user may receive its acks only under its own inbox prefix
            inboxPrefix: options.inboxPrefix ?? departmentInboxPrefix(department),
            // a department's user may not manage streams; the ingest side creates them
            manageStreams: false,
          });
  let busPromise: Promise<EventBus> | undefined;
  /** Connects on first use; a failed first connection is tried again by the next emit. */
  const getBus = (): Promise<EventBus> => {
    if (!busPromise) {
      const p = connectBus();
      busPromise = p;
      p.catch(() => {
        if (busPromise === p) busPromise = undefined;
      });
    }
    return busPromise;
  };
  void getBus().catch(() => undefined); // connect early; failures are reported by the emits

  let pending = 0;
  let idleWaiters: Array<() => void> = [];
  let closed = false;

  const build = (input: EmitInput, index?: number): { event?: JourneyEvent; problems: ValidationProblem[] } => {
    const { type, journeyId, data, id, occurredAt, actor, correlationId, causationId } = input;
    const raw = {
      id: id ?? uuidv7(),
      type,
      journeyId,
      department,
      occurredAt: occurredAt === undefined ? new Date().toISOString() : occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      data,
      ...(actor !== undefined ? { actor } : {}),
      ...(correlationId !== undefined ? { correlationId } : {}),
      ...(causationId !== undefined ? { causationId } : {}),
    };
    const prefix = index === undefined ? '' : `[${index}]`;
    // an early check for good error messages at the source; ingest validates again at its trust boundary
    const r = checkEvent(raw, { pathPrefix: prefix });
    if (!r.ok) return { problems: r.problems };
    const problems = plausibilityProblems(r.value, Date.now(), prefix);
    return problems.length > 0 ? { problems } : { event: r.value, problems: [] };
  };

  const release = (n: number) => {
    pending -= n;
    if (pending === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  };

  /** Publishes until every event is acked, rejected for good, or `retryForMs` has passed. */
  const publish = async (events: JourneyEvent[]): Promise<EmitResult[]> => {
    if (closed) throw new BusUnavailableError('the emitter is closed');
    if (pending + events.length > maxPending) throw new BusBackpressureError(pending, maxPending);
    pending += events.length;
    try {
      const bus = await getBus();
      const deadline = Date.now() + retryForMs;
      const results = new Map<string, PublishResult>();
      let todo = events;
      let pause = 50;
      for (;;) {
        let outcome: PublishResult[];
        try {
          outcome = await bus.publish(todo, { timeoutMs: attemptTimeoutMs });
        } catch (err) {
          if (!(err instanceof BusUnavailableError)) throw err;
          outcome = todo.map((e) => ({ id: e.id, ok: false, duplicate: false, error: { code: 'unavailable' as const, message: err.message } }));
          if (bus.isClosed()) throw err;
        }
        const retry: JourneyEvent[] = [];
        outcome.forEach((r, i) => {
          if (r.ok) results.set(r.id, r);
          else if (r.error?.code === 'rejected') throw new EmitRejectedError(r.id, r.error.message);
          else retry.push(todo[i]!);
        });
        if (retry.length === 0) break;
        if (Date.now() + pause > deadline) {
          throw new BusUnavailableError(`the bus did not take ${retry.length} event(s) within ${retryForMs} ms: ${outcome.find((r) => !r.ok)?.error?.message ?? ''}`);
        }
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 2000);
        todo = retry;
      }
      return events.map((event) => ({ id: event.id, duplicate: results.get(event.id)?.duplicate ?? false, event }));
    } finally {
      release(events.length);
    }
  };

  const emit = async (input: EmitInput): Promise<EmitResult> => {
    const { event, problems } = build(input);
    if (!event) throw new EventValidationError(problems);
    const [result] = await publish([event]);
    return result!;
  };

  const helper =
    <T extends EventType>(type: T) =>
    (journeyId: string, data: EventData<T>, meta: EmitMeta = {}) =>
      emit({ ...meta, type, journeyId, data } as EmitInput);

  return {
    department,
    async ready() {
      await getBus();
    },
    emit,
    async emitMany(inputs) {
      const events: JourneyEvent[] = [];
      const problems: ValidationProblem[] = [];
      inputs.forEach((input, i) => {
        const r = build(input, i);
        if (r.event) events.push(r.event);
        problems.push(...r.problems);
      });
      if (problems.length > 0) throw new EventValidationError(problems);
      if (events.length === 0) return [];
      return publish(events);
    },
    journeyStarted: helper('JourneyStarted'),
    handoffRequested: helper('HandoffRequested'),
    workStarted: helper('WorkStarted'),
    workCompleted: helper('WorkCompleted'),
    customerWaitStarted: helper('CustomerWaitStarted'),
    customerWaitEnded: (journeyId, data = {}, meta = {}) => emit({ ...meta, type: 'CustomerWaitEnded', journeyId, data }),
    customerNotified: helper('CustomerNotified'),
    journeyCompleted: helper('JourneyCompleted'),
    pending: () => pending,
    async flush() {
      if (pending === 0) return;
      await new Promise<void>((r) => idleWaiters.push(r));
    },
    async close() {
      await this.flush();
      closed = true;
      if (owned && busPromise) await (await busPromise.catch(() => undefined))?.close();
    },
  };
}
