/** A value an XES attribute or CSV cell carries once typed (XES int/float → number, boolean → boolean). */
export type AttributeValue = string | number | boolean;

/**
 * One event of a log as a reader hands it on, before any mapping: its attributes in file
 * order (a CSV row's cells, an XES event's direct attributes) and its case id as the
 * format defines it (the trace's `concept:name`, or the case column).
 */
export interface LogRow {
  /** 1-based line where the row or `<event>` starts, for messages. */
  line: number;
  caseId: string | undefined;
  attributes: Map<string, AttributeValue>;
  /** XES trace-level attributes other than `concept:name` (CSV carries them as `case:*` columns). */
  caseAttributes?: Map<string, AttributeValue>;
}

/** Which attribute (XES key or CSV column) holds each field; XES names by default. */
export interface ColumnMapping {
  case: string;
  activity: string;
  timestamp: string;
  group: string;
  resource: string;
  lifecycle: string;
}

export const DEFAULT_COLUMNS: ColumnMapping = {
  case: 'case:concept:name',
  activity: 'concept:name',
  timestamp: 'time:timestamp',
  group: 'org:group',
  resource: 'org:resource',
  lifecycle: 'lifecycle:transition',
};

/**
 * Attributes our own export writes so that an exported log re-imports to the same events
 * (`identity:id` is the XES Identity extension's key; the others are ours).
 */
export const ID_KEY = 'identity:id';
export const TYPE_KEY = 'journeys:type';
export const DATA_KEY = 'journeys:data';
export const OUTCOME_KEY = 'journeys:outcome';
export const ATTRIBUTES_KEY = 'journeys:attributes';
/** The instant as recorded (its offset and digits) when `time:timestamp`, in UTC to the millisecond, says less. */
export const OCCURRED_AT_KEY = 'journeys:occurredAt';
export const CORRELATION_KEY = 'journeys:correlationId';
export const CAUSATION_KEY = 'journeys:causationId';
export const SCHEMA_VERSION_KEY = 'journeys:schemaVersion';
/** Seconds since the trace's previous event, elapsed and in the event's department's open hours (XES exports with calendars). */
export const ELAPSED_KEY = 'journeys:elapsedSincePrevious';
export const BUSINESS_KEY = 'journeys:businessSincePrevious';
/** Keys our exports write and imports read as the envelope (or derive again), never as an event's attributes. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ELAPSED_KEY,
  BUSINESS_KEY,
  ID_KEY,
  TYPE_KEY,
  DATA_KEY,
  OUTCOME_KEY,
  ATTRIBUTES_KEY,
  OCCURRED_AT_KEY,
  CORRELATION_KEY,
  CAUSATION_KEY,
  SCHEMA_VERSION_KEY,
]);

/** `time:timestamp` as our exports write it: UTC, milliseconds (XES 1849-2023 asks for UTC). */
export const utcMillis = (iso: string): string => new Date(Date.parse(iso)).toISOString();
