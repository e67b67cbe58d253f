import { EVENT_TYPES, UNASSIGNED_DEPARTMENT, type JourneyEvent } from '@journeys/contracts';
import type { OcelAttributeType, OcelEvent, OcelObject, OcelType } from './ocel.ts';
import { needsRecordedInstant } from './xes-writer.ts';

/** A value as our events hold it, before it is written as OCEL text. */
type Value = string | number | boolean;

/**
 * Our events as OCEL 2.0. Two object types: `journey` (the case) and `department`. Object ids
 * are prefixed with their type (`journey:claim-1`, `department:Intake`) because a journey and
 * a department may share a name. The event type stays ours (work events carry `activity`
 * as an attribute): the set of types is fixed and each type's attributes are known.
 */
export const JOURNEY_OBJECT_TYPE = 'journey';
export const DEPARTMENT_OBJECT_TYPE = 'department';
export const QUALIFIERS = { journey: 'case', department: 'performed-by', handoffTarget: 'handed-to' } as const;

export const journeyObjectId = (journeyId: string): string => `${JOURNEY_OBJECT_TYPE}:${journeyId}`;
export const departmentObjectId = (department: string): string => `${DEPARTMENT_OBJECT_TYPE}:${department}`;

/** Journey attributes taken from JourneyStarted (customerRef stays on the event). */
const JOURNEY_ATTRIBUTES: readonly { name: 'journeyType' | 'channel' | 'promisedBy'; type: OcelAttributeType }[] = [
  { name: 'journeyType', type: 'string' },
  { name: 'channel', type: 'string' },
  { name: 'promisedBy', type: 'time' },
];

/** Payload fields holding instants; everything else in a payload is text. */
const TIME_FIELDS = new Set(['promisedBy']);
/** Envelope fields carried as event attributes (plus `occurredAt` and `schemaVersion` when needed). */
export const ENVELOPE_ATTRIBUTES = ['actor', 'correlationId', 'causationId'] as const;
/** The instant as recorded, when the event's UTC `time` would not read back as that text. */
export const RECORDED_TIME_ATTRIBUTE = 'occurredAt';
export const SCHEMA_VERSION_ATTRIBUTE = 'schemaVersion';
/** Prefix of an imported attribute whose name one of ours took. */
export const SHADOWED_PREFIX = 'attributes:';
/** Names an imported attribute never takes as it is: the import reads them as ours. */
export const RESERVED_ATTRIBUTES: readonly string[] = [...ENVELOPE_ATTRIBUTES, RECORDED_TIME_ATTRIBUTE, SCHEMA_VERSION_ATTRIBUTE, 'activity', 'outcome'];

/**
 * Times in UTC (`Z`, millisecond precision): OCEL tools compare instants across objects and
 * some do not accept mixed offsets. The offset as recorded is kept by the JSON Lines export.
 */
export const ocelTime = (iso: string): string => new Date(Date.parse(iso)).toISOString();

function typeOf(value: Value): OcelAttributeType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  return 'string';
}

/** A type seen with two kinds of value is declared by the wider one. */
function widen(a: OcelAttributeType, b: OcelAttributeType): OcelAttributeType {
  if (a === b) return a;
  if ((a === 'integer' && b === 'float') || (a === 'float' && b === 'integer')) return 'float';
  return 'string';
}

interface JourneyState {
  attributes: { name: string; time: string; value: string }[];
}

/**
 * Maps events one at a time and remembers, in memory bounded by the number of journeys,
 * departments and distinct attribute names, what the objects and types sections need.
 */
export function ocelCollector() {
  const journeys = new Map<string, JourneyState>();
  const departments = new Set<string>();
  const eventAttributes = new Map<string, Map<string, OcelAttributeType>>(EVENT_TYPES.map((t) => [t, new Map()]));

  function declare(eventType: string, attribute: string, type: OcelAttributeType): void {
    const types = eventAttributes.get(eventType) ?? new Map<string, OcelAttributeType>();
    eventAttributes.set(eventType, types);
    const known = types.get(attribute);
    types.set(attribute, known === undefined ? type : widen(known, type));
  }

  function relate(department: string, qualifier: string): { objectId: string; qualifier: string } {
    departments.add(department);
    return { objectId: departmentObjectId(department), qualifier };
  }

  return {
    event(event: JourneyEvent): OcelEvent {
      const attributes: OcelEvent['attributes'] = [];
      const add = (attribute: string, value: Value, type: OcelAttributeType) => {
        attributes.push({ name: attribute, value: String(value) });
        declare(event.type, attribute, type);
      };
      const data = event.data as Record<string, unknown>;
      for (const [key, value] of Object.entries(data)) {
        if (key === 'attributes' || typeof value !== 'string') continue;
        if (TIME_FIELDS.has(key)) add(key, ocelTime(value), 'time');
        else add(key, value, 'string');
      }
      for (const key of ENVELOPE_ATTRIBUTES) {
        const value = event[key];
        if (value !== undefined) add(key, value, 'string');
      }
      if (needsRecordedInstant(event.occurredAt, ocelTime(event.occurredAt))) add(RECORDED_TIME_ATTRIBUTE, event.occurredAt, 'string');
      if (event.schemaVersion !== 1) add(SCHEMA_VERSION_ATTRIBUTE, event.schemaVersion, 'integer');
      // An imported log's own attributes, under their names unless one of ours took it.
      const imported = (data.attributes ?? {}) as Record<string, Value>;
      const taken = new Set([...attributes.map((a) => a.name), ...RESERVED_ATTRIBUTES]);
      for (const [key, value] of Object.entries(imported)) add(taken.has(key) || key.startsWith(SHADOWED_PREFIX) ? `${SHADOWED_PREFIX}${key}` : key, value, typeOf(value));

      let journey = journeys.get(event.journeyId);
      if (!journey) {
        journey = { attributes: [] };
        journeys.set(event.journeyId, journey);
      }
      if (event.type === 'JourneyStarted') {
        const at = ocelTime(event.occurredAt);
        journey.attributes = [];
        for (const { name, type } of JOURNEY_ATTRIBUTES) {
          const value = event.data[name];
          if (value !== undefined) journey.attributes.push({ name, time: at, value: type === 'time' ? ocelTime(value) : value });
        }
      }

      const relationships: OcelEvent['relationships'] = [{ objectId: journeyObjectId(event.journeyId), qualifier: QUALIFIERS.journey }];
      // An event whose log named no department is performed by nobody we know of.
      if (event.department !== UNASSIGNED_DEPARTMENT) relationships.push(relate(event.department, QUALIFIERS.department));
      if (event.type === 'HandoffRequested') relationships.push(relate(event.data.toDepartment, QUALIFIERS.handoffTarget));

      return { id: event.id, type: event.type, time: ocelTime(event.occurredAt), attributes, relationships };
    },

    get journeyCount(): number {
      return journeys.size;
    },

    *objects(): Generator<OcelObject> {
      for (const [id, journey] of journeys) yield { id: journeyObjectId(id), type: JOURNEY_OBJECT_TYPE, attributes: journey.attributes, relationships: [] };
      for (const department of departments) yield { id: departmentObjectId(department), type: DEPARTMENT_OBJECT_TYPE, attributes: [], relationships: [] };
    },

    objectTypes(): OcelType[] {
      return [
        { name: JOURNEY_OBJECT_TYPE, attributes: JOURNEY_ATTRIBUTES.map(({ name, type }) => ({ name, type })) },
        { name: DEPARTMENT_OBJECT_TYPE, attributes: [] },
      ];
    },

    /** Every event type of the contract, with the attributes its exported events carried. */
    eventTypes(): OcelType[] {
      return [...eventAttributes].map(([name, attributes]) => ({ name, attributes: [...attributes].map(([attribute, type]) => ({ name: attribute, type })) }));
    },
  };
}
