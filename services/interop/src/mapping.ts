import {
  DepartmentSchema,
  EVENT_TYPES,
  JourneyIdSchema,
  MAX_EVENT_BYTES,
  UNASSIGNED_DEPARTMENT,
  WorkCompletedSchema,
  WorkStartedSchema,
  validateEvent,
  type EventType,
  type JourneyEvent,
} from '@journeys/contracts';
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { parseLogTimestamp } from './timestamp.ts';
import {
  ATTRIBUTES_KEY,
  CAUSATION_KEY,
  CORRELATION_KEY,
  DATA_KEY,
  OCCURRED_AT_KEY,
  SCHEMA_VERSION_KEY,
  ID_KEY,
  OUTCOME_KEY,
  RESERVED_KEYS,
  TYPE_KEY,
  type AttributeValue,
  type ColumnMapping,
  type LogRow,
} from './row.ts';

/** Why a row of a log was not imported; the keys of `ImportResult.dropped`. */
export const DROP_REASONS = [
  'missing case id',
  'invalid case id',
  'missing activity',
  'missing timestamp',
  'invalid timestamp',
  'invalid event',
  'invalid JSON',
  'no object of the chosen type',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Fixed namespace of Journeys' import ids: changing it would make every re-import a duplicate log. */
export const IMPORT_ID_NAMESPACE = '6f0b2d7e-5a4c-5b8e-9c1d-2e3f4a5b6c7d';

/** Extra attributes kept per event: enough for real logs, far below the 64 KiB event limit. */
export const MAX_KEPT_ATTRIBUTES = 32;
export const MAX_ATTRIBUTE_CHARS = 1024;

export type Mapped =
  | {
      ok: true;
      event: JourneyEvent;
      /** The event has no group: its department is decided once the whole log is read (see LogMapper). */
      groupless: boolean;
      /** Its `org:resource`, usable as department when the log has no groups at all. */
      resource?: string;
    }
  | { ok: false; reason: DropReason; message: string };

/**
 * Lifecycle → event type. `start` and `resume` open work, everything else (`complete`,
 * absent, `suspend`, `schedule`, `assign`, `ate_abort`, statuses such as `Wait - User`...)
 * is a WorkCompleted: a point at which the department touched the case. `suspend` is NOT
 * mapped to CustomerWaitStarted: a log does not say the customer is the cause, that event
 * has no activity (the activity flow would lose it and disagree with the reference), and a
 * suspended interval then counts as waiting in the department, which is what it is.
 * Comparison is case-insensitive (BPIC 2012 writes START/COMPLETE).
 */
export function typeForLifecycle(lifecycle: string | undefined): 'WorkStarted' | 'WorkCompleted' {
  const l = lifecycle?.trim().toLowerCase();
  return l === 'start' || l === 'resume' ? 'WorkStarted' : 'WorkCompleted';
}

/** The transition our export writes for a type; a raw value equal to it need not be kept. */
export function canonicalLifecycle(type: EventType): string | undefined {
  return type === 'WorkStarted' ? 'start' : type === 'WorkCompleted' ? 'complete' : undefined;
}

function text(value: AttributeValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  const s = String(value);
  return s.trim() === '' ? undefined : s;
}

/**
 * Maps log rows to events, one case ordinal counter per case (O(cases) memory).
 *
 * Department: `org:group`; where the whole log has no group at all, `org:resource` (the
 * README's mapping is per log, and the reference's group handover skips events without a
 * group, so falling back to the resource per event would invent handoffs). An event without
 * the chosen attribute gets UNASSIGNED_DEPARTMENT. Since that choice needs the whole log,
 * events are mapped with their group (or the placeholder) and `groupless` events are given
 * their resource afterwards (`resolveDepartment`).
 */
export class LogMapper {
  private readonly ordinals = new Map<string, number>();
  sawGroup = false;

  constructor(private readonly columns: ColumnMapping) {}

  map(row: LogRow): Mapped {
    const { columns } = this;
    const attrs = row.attributes;
    const caseId = row.caseId;
    if (caseId === undefined || caseId === '') return { ok: false, reason: 'missing case id', message: 'no case id' };
    if (!JourneyIdSchema.safeParse(caseId).success) {
      return { ok: false, reason: 'invalid case id', message: `case id ${JSON.stringify(caseId.slice(0, 140))} is not a valid journeyId (1–128 printable characters)` };
    }
    const activity = text(attrs.get(columns.activity));
    const type = text(attrs.get(TYPE_KEY));
    const isWork = type === undefined || type === 'WorkStarted' || type === 'WorkCompleted';
    if (activity === undefined && isWork) return { ok: false, reason: 'missing activity', message: `no ${columns.activity}` };
    const rawTime = text(attrs.get(columns.timestamp));
    if (rawTime === undefined) return { ok: false, reason: 'missing timestamp', message: `no ${columns.timestamp}` };
    const instant = parseLogTimestamp(rawTime);
    if (!instant) return { ok: false, reason: 'invalid timestamp', message: `${columns.timestamp} ${JSON.stringify(rawTime.slice(0, 60))} is not an ISO-8601 date-time` };

    const group = text(attrs.get(columns.group));
    const resource = text(attrs.get(columns.resource));
    const lifecycle = text(attrs.get(columns.lifecycle));
    if (group !== undefined) this.sawGroup = true;

    const ordinal = this.ordinals.get(caseId) ?? 0;
    const givenId = text(attrs.get(ID_KEY));
    const id =
      givenId !== undefined && isUuid(givenId)
        ? givenId.toLowerCase()
        : uuidv5(JSON.stringify([caseId, ordinal, activity ?? type ?? null, instant.ms, group ?? null, resource ?? null, lifecycle ?? null]), IMPORT_ID_NAMESPACE);

    // Our own exports carry what the log's columns cannot: the instant as recorded (when the
    // UTC timestamp says the same instant), the tracing ids and the payload version.
    const recorded = text(attrs.get(OCCURRED_AT_KEY));
    const occurredAt = recorded !== undefined && parseLogTimestamp(recorded)?.ms === instant.ms ? recorded : instant.iso;
    const correlationId = text(attrs.get(CORRELATION_KEY));
    const causationId = text(attrs.get(CAUSATION_KEY));
    const version = Number(attrs.get(SCHEMA_VERSION_KEY) ?? 1);
    const envelope = {
      id,
      journeyId: caseId,
      department: group ?? UNASSIGNED_DEPARTMENT,
      occurredAt,
      ...(resource !== undefined ? { actor: resource } : {}),
      schemaVersion: Number.isSafeInteger(version) && version >= 1 ? version : 1,
      ...(correlationId !== undefined ? { correlationId } : {}),
      ...(causationId !== undefined ? { causationId } : {}),
    };

    let candidate: Record<string, unknown>;
    if (!isWork) {
      let data: unknown = {};
      const rawData = text(attrs.get(DATA_KEY));
      if (rawData !== undefined) {
        try {
          data = JSON.parse(rawData);
        } catch {
          return { ok: false, reason: 'invalid event', message: `${DATA_KEY} is not JSON` };
        }
      }
      if (!(EVENT_TYPES as readonly string[]).includes(type)) {
        return { ok: false, reason: 'invalid event', message: `${TYPE_KEY} ${JSON.stringify(type)} is not an event type` };
      }
      candidate = { ...envelope, type, data };
    } else {
      const eventType = type === 'WorkStarted' || type === 'WorkCompleted' ? type : typeForLifecycle(lifecycle);
      const attributes = this.keptAttributes(row, lifecycle, eventType);
      if (attributes === 'invalid') return { ok: false, reason: 'invalid event', message: `${ATTRIBUTES_KEY} is not a JSON object` };
      const outcome = eventType === 'WorkCompleted' ? text(attrs.get(OUTCOME_KEY)) : undefined;
      candidate = {
        ...envelope,
        type: eventType,
        data: {
          activity,
          ...(outcome !== undefined ? { outcome } : {}),
          ...(attributes !== undefined ? { attributes } : {}),
        },
      };
    }

    const result = validate(candidate);
    if (!result.ok) {
      return { ok: false, reason: 'invalid event', message: result.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ') };
    }
    const groupless = group === undefined;
    if (groupless && resource !== undefined && !DepartmentSchema.safeParse(resource).success) {
      return { ok: false, reason: 'invalid event', message: `${columns.resource} ${JSON.stringify(resource.slice(0, 140))} cannot name a department` };
    }
    this.ordinals.set(caseId, ordinal + 1);
    return { ok: true, event: result.value, groupless, ...(resource !== undefined ? { resource } : {}) };
  }

  /**
   * Attributes we keep: the raw lifecycle transition when it says more than the type does,
   * then the other attributes in file order (XES case attributes as `case:<key>`), at most
   * MAX_KEPT_ATTRIBUTES, values of at most MAX_ATTRIBUTE_CHARS (longer ones are left out:
   * truncating would keep a value the source never had). Our own export's attribute bag
   * (`journeys:attributes`) is restored as it was.
   */
  private keptAttributes(row: LogRow, lifecycle: string | undefined, type: EventType): Record<string, AttributeValue> | undefined | 'invalid' {
    const { columns } = this;
    const out: Record<string, AttributeValue> = {};
    let n = 0;
    if (lifecycle !== undefined && lifecycle !== canonicalLifecycle(type)) {
      out[columns.lifecycle] = lifecycle;
      n++;
    }
    const bag = text(row.attributes.get(ATTRIBUTES_KEY));
    if (bag !== undefined) {
      try {
        const parsed: unknown = JSON.parse(bag);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'invalid';
        Object.assign(out, parsed);
        return Object.keys(out).length > 0 ? out : undefined;
      } catch {
        return 'invalid';
      }
    }
    const skip = new Set([columns.case, columns.activity, columns.timestamp, columns.group, columns.resource, columns.lifecycle]);
    const add = (key: string, value: AttributeValue) => {
      if (n >= MAX_KEPT_ATTRIBUTES || key === '' || key === '__proto__' || key.length > 128 || Object.hasOwn(out, key)) return;
      if (typeof value === 'string' && (value.length > MAX_ATTRIBUTE_CHARS || value === '')) return;
      out[key] = value;
      n++;
    };
    for (const [key, value] of row.attributes) {
      if (skip.has(key) || RESERVED_KEYS.has(key)) continue;
      add(key, value);
    }
    if (row.caseAttributes) {
      for (const [key, value] of row.caseAttributes) add(key.startsWith('case:') ? key : `case:${key}`, value);
    }
    return n > 0 ? out : undefined;
  }
}

const VARIANTS: Record<string, typeof WorkStartedSchema | typeof WorkCompletedSchema> = {
  WorkStarted: WorkStartedSchema,
  WorkCompleted: WorkCompletedSchema,
};

/**
 * validateEvent makes three zod passes (envelope, payload, whole) to list every problem; a
 * log of a million valid rows only needs one. Work events (nearly all of an imported log)
 * take the single pass of their variant schema plus the size limit; anything that fails it,
 * and every other type, goes through validateEvent for the full list of problems.
 */
function validate(candidate: Record<string, unknown>): ReturnType<typeof validateEvent> {
  const schema = VARIANTS[candidate.type as string];
  if (schema) {
    const fast = schema.safeParse(candidate);
    if (fast.success && Buffer.byteLength(JSON.stringify(fast.data), 'utf8') <= MAX_EVENT_BYTES) return { ok: true, value: fast.data };
  }
  return validateEvent(candidate);
}

/** The department of a mapped event once we know whether the log has groups at all. */
export function resolveDepartment(event: JourneyEvent, groupless: boolean, resource: string | undefined, logHasGroups: boolean): JourneyEvent {
  if (!groupless || logHasGroups || resource === undefined) return event;
  return { ...event, department: resource };
}
