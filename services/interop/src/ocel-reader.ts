import { EVENT_TYPES, UNASSIGNED_DEPARTMENT, validateEvent, type EventType, type JourneyEvent } from '@journeys/contracts';
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { z } from 'zod';
import { LogFormatError } from './errors.ts';
import { IMPORT_ID_NAMESPACE, type DropReason } from './mapping.ts';
import {
  DEPARTMENT_OBJECT_TYPE,
  ENVELOPE_ATTRIBUTES,
  QUALIFIERS,
  RECORDED_TIME_ATTRIBUTE,
  SCHEMA_VERSION_ATTRIBUTE,
  SHADOWED_PREFIX,
} from './ocel-writer.ts';
import { OCEL_ATTRIBUTE_TYPES, type OcelAttributeType } from './ocel.ts';
import { parseLogTimestamp } from './timestamp.ts';

/**
 * Reading OCEL 2.0 JSON as other tools write it (pm4py, Celonis-side exporters, ours): the
 * official schema's shape, with its optional parts optional and unknown keys allowed.
 */
const Attr = z.object({ name: z.string(), value: z.unknown() }).loose();
const Rel = z.object({ objectId: z.string(), qualifier: z.string().default('') }).loose();
const TypeDecl = z
  .object({ name: z.string(), attributes: z.array(z.object({ name: z.string(), type: z.string() }).loose()).default([]) })
  .loose();
const OcelInput = z
  .object({
    objectTypes: z.array(TypeDecl).default([]),
    eventTypes: z.array(TypeDecl).default([]),
    objects: z.array(z.object({ id: z.string(), type: z.string() }).loose()).default([]),
    events: z.array(
      z
        .object({
          id: z.string(),
          type: z.string(),
          time: z.string(),
          attributes: z.array(Attr).default([]),
          relationships: z.array(Rel).default([]),
        })
        .loose(),
    ),
  })
  .loose();

export type OcelItem = { line: number; ok: true; event: JourneyEvent } | { line: number; ok: false; reason: DropReason; message: string };

/** Payload fields of each of our types, as the export writes them (event attributes). */
const PAYLOAD: Record<EventType, readonly string[]> = {
  JourneyStarted: ['journeyType', 'channel', 'customerRef', 'promisedBy'],
  HandoffRequested: ['toDepartment', 'reason'],
  WorkStarted: ['activity'],
  WorkCompleted: ['activity', 'outcome'],
  CustomerWaitStarted: ['reason'],
  CustomerWaitEnded: [],
  CustomerNotified: ['channel', 'message'],
  JourneyCompleted: ['outcome'],
};
const ENVELOPE = new Set<string>([...ENVELOPE_ATTRIBUTES, RECORDED_TIME_ATTRIBUTE, SCHEMA_VERSION_ATTRIBUTE]);

/** The declared type turns the text back into the value: OCEL writes every value as a string. */
function typed(value: unknown, type: OcelAttributeType | undefined): string | number | boolean {
  if (typeof value !== 'string') return typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value);
  if (type === 'integer' || type === 'float') {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) && (type === 'float' || Number.isSafeInteger(n)) ? n : value;
  }
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

const stripPrefix = (id: string, type: string) => (id.startsWith(`${type}:`) ? id.slice(type.length + 1) : id);

/**
 * Journeys from an OCEL 2.0 document: one journey per object of `objectType` (its id, less a
 * `<type>:` prefix as our export writes), one event per (OCEL event, related object of that
 * type). The department is the related `department` object (our export's `performed-by`),
 * else none (UNASSIGNED_DEPARTMENT). An event of one of our types keeps its type and payload
 * from its attributes; any other event type is the activity of a WorkCompleted, its other
 * attributes kept. Ids: the event's own when it is a UUID and names one journey, else a
 * UUIDv5 of (event id, object id), so a re-import appends nothing.
 *
 * The document is read whole (JSON has no record boundary to stream on).
 */
export function readOcel(json: string, objectType: string): OcelItem[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new LogFormatError(`malformed OCEL 2.0 JSON: ${(err as Error).message}`);
  }
  const parsed = OcelInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LogFormatError(`not an OCEL 2.0 JSON document: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const doc = parsed.data;
  const objectTypeOf = new Map(doc.objects.map((o) => [o.id, o.type]));
  if (!doc.objects.some((o) => o.type === objectType)) {
    const types = [...new Set(doc.objects.map((o) => o.type))];
    throw new LogFormatError(
      `the OCEL log has no object of type ${JSON.stringify(objectType)} (its object types: ${types.map((t) => JSON.stringify(t)).join(', ') || 'none'}); choose one with --ocel-object-type`,
    );
  }
  const declared = new Map(
    doc.eventTypes.map((t) => [
      t.name,
      new Map(
        t.attributes.map((a) => [
          a.name,
          (OCEL_ATTRIBUTE_TYPES as readonly string[]).includes(a.type) ? (a.type as OcelAttributeType) : undefined,
        ]),
      ),
    ]),
  );

  const items: OcelItem[] = [];
  doc.events.forEach((e, index) => {
    const line = index + 1;
    const journeys = e.relationships.filter((r) => objectTypeOf.get(r.objectId) === objectType).map((r) => r.objectId);
    if (journeys.length === 0) {
      items.push({
        line,
        ok: false,
        reason: 'no object of the chosen type',
        message: `event ${JSON.stringify(e.id)} relates to no ${JSON.stringify(objectType)} object`,
      });
      return;
    }
    const time = parseLogTimestamp(e.time);
    if (!time) {
      items.push({
        line,
        ok: false,
        reason: 'invalid timestamp',
        message: `event ${JSON.stringify(e.id)}: time ${JSON.stringify(e.time.slice(0, 60))} is not an ISO-8601 date-time`,
      });
      return;
    }
    const types = declared.get(e.type);
    const attrs = new Map(e.attributes.map((a) => [a.name, typed(a.value, types?.get(a.name))]));
    const str = (name: string) => {
      const v = attrs.get(name);
      return v === undefined ? undefined : String(v);
    };
    const performer = e.relationships.find(
      (r) => objectTypeOf.get(r.objectId) === DEPARTMENT_OBJECT_TYPE && r.qualifier !== QUALIFIERS.handoffTarget,
    );
    const recorded = str(RECORDED_TIME_ATTRIBUTE);
    const occurredAt = recorded !== undefined && parseLogTimestamp(recorded)?.ms === time.ms ? recorded : time.iso;
    const ours = (EVENT_TYPES as readonly string[]).includes(e.type) ? (e.type as EventType) : undefined;
    const payloadKeys = new Set(ours ? PAYLOAD[ours] : []);
    const data: Record<string, unknown> = {};
    const extra: Record<string, string | number | boolean> = {};
    for (const [name, value] of attrs) {
      if (ENVELOPE.has(name)) continue;
      if (payloadKeys.has(name)) data[name] = typeof value === 'string' ? value : String(value);
      else extra[name.startsWith(SHADOWED_PREFIX) ? name.slice(SHADOWED_PREFIX.length) : name] = value;
    }
    const type: EventType = ours ?? 'WorkCompleted';
    if (!ours) data.activity = e.type;
    const isWork = type === 'WorkStarted' || type === 'WorkCompleted';
    if (isWork && Object.keys(extra).length > 0) data.attributes = extra;
    const version = Number(attrs.get(SCHEMA_VERSION_ATTRIBUTE) ?? 1);
    for (const objectId of journeys) {
      const id = journeys.length === 1 && isUuid(e.id) ? e.id.toLowerCase() : uuidv5(JSON.stringify([e.id, objectId]), IMPORT_ID_NAMESPACE);
      const candidate = {
        id,
        type,
        journeyId: stripPrefix(objectId, objectType),
        department: performer ? stripPrefix(performer.objectId, DEPARTMENT_OBJECT_TYPE) : UNASSIGNED_DEPARTMENT,
        occurredAt,
        ...(str('actor') !== undefined ? { actor: str('actor') } : {}),
        ...(str('correlationId') !== undefined ? { correlationId: str('correlationId') } : {}),
        ...(str('causationId') !== undefined ? { causationId: str('causationId') } : {}),
        schemaVersion: Number.isSafeInteger(version) && version >= 1 ? version : 1,
        data,
      };
      const result = validateEvent(candidate);
      if (result.ok) items.push({ line, ok: true, event: result.value });
      else
        items.push({
          line,
          ok: false,
          reason: 'invalid event',
          message: `event ${JSON.stringify(e.id)}: ${result.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`,
        });
    }
  });
  return items;
}
