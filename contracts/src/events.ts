import { z } from 'zod';
import { isoInstant, printable, visibleName } from './text.ts';

export const EVENT_TYPES = [
  'JourneyStarted',
  'HandoffRequested',
  'WorkStarted',
  'WorkCompleted',
  'CustomerWaitStarted',
  'CustomerWaitEnded',
  'CustomerNotified',
  'JourneyCompleted',
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

/** The payload version this code writes; older ones are upcast on read (see upcast.ts). */
export const CURRENT_SCHEMA_VERSION = 1;
/** A serialised event larger than this is refused everywhere (HTTP, bus, store). */
export const MAX_EVENT_BYTES = 64 * 1024;

export const JourneyIdSchema = printable(128, 'journeyId');
/** A department as its organisation names it; look-alike spellings are refused (see lookalikeProblem). */
export const DepartmentSchema = visibleName(128, 'department');

/** Extra attributes an imported log carries (XES/CSV columns we keep but do not interpret). */
export const AttributesSchema = z
  .record(z.string().min(1).max(128), z.union([z.string().max(4096), z.number(), z.boolean()]))
  .refine((r) => Object.keys(r).length <= 64, { message: 'at most 64 attributes' });

export const JOURNEY_OUTCOMES = ['resolved', 'rejected', 'withdrawn'] as const;

/**
 * Personal fields of an event, sealed by the store's crypto-shredding layer (services/audit):
 * `v1.<subject key id>.<base64 of IV | GCM tag | AES-256-GCM ciphertext>`. Inside `data`, so
 * the audit chain hashes the ciphertext and still verifies once the key is erased. Set by the
 * store only: an event that arrives with it is refused there.
 */
export const SealedSchema = z.string().max(96 * 1024).regex(/^v1\.[0-9a-f]{32}\.[A-Za-z0-9+/]+={0,2}$/, { message: 'sealed must be a v1 sealed blob' });
/** What a personal field reads while sealed (or, once its key is erased, for ever). */
export const SEALED_PLACEHOLDER = '[sealed]';
export const ERASED_PLACEHOLDER = '[erased]';

/** Payload schemas, version 1, keyed by event type. Strict: unknown fields are errors. */
export const EventDataSchemas = {
  JourneyStarted: z.strictObject({
    journeyType: printable(128, 'journeyType'),
    channel: printable(64, 'channel'),
    customerRef: printable(128, 'customerRef'),
    promisedBy: isoInstant.optional(),
    sealed: SealedSchema.optional(),
  }),
  HandoffRequested: z.strictObject({
    toDepartment: DepartmentSchema,
    reason: printable(1000, 'reason').optional(),
    sealed: SealedSchema.optional(),
  }),
  WorkStarted: z.strictObject({
    activity: printable(256, 'activity'),
    attributes: AttributesSchema.optional(),
    sealed: SealedSchema.optional(),
  }),
  WorkCompleted: z.strictObject({
    activity: printable(256, 'activity'),
    outcome: printable(256, 'outcome').optional(),
    attributes: AttributesSchema.optional(),
    sealed: SealedSchema.optional(),
  }),
  CustomerWaitStarted: z.strictObject({
    reason: printable(1000, 'reason'),
    sealed: SealedSchema.optional(),
  }),
  CustomerWaitEnded: z.strictObject({ sealed: SealedSchema.optional() }),
  CustomerNotified: z.strictObject({
    channel: printable(64, 'channel'),
    message: printable(2000, 'message').optional(),
    sealed: SealedSchema.optional(),
  }),
  JourneyCompleted: z.strictObject({
    outcome: z.enum(JOURNEY_OUTCOMES),
    sealed: SealedSchema.optional(),
  }),
} as const satisfies Record<EventType, z.ZodType>;

export type EventData<T extends EventType> = z.infer<(typeof EventDataSchemas)[T]>;

/** Envelope fields shared by every event (everything but `type` and `data`). */
export const envelopeShape = {
  id: z.uuid({ message: 'id must be a UUID' }),
  journeyId: JourneyIdSchema,
  department: DepartmentSchema,
  occurredAt: isoInstant,
  actor: printable(256, 'actor').optional(),
  schemaVersion: z.int().min(1),
  correlationId: printable(256, 'correlationId').optional(),
  causationId: printable(256, 'causationId').optional(),
};

function variant<T extends EventType>(type: T) {
  return z.strictObject({ ...envelopeShape, type: z.literal(type), data: EventDataSchemas[type] });
}

export const JourneyStartedSchema = variant('JourneyStarted');
export const HandoffRequestedSchema = variant('HandoffRequested');
export const WorkStartedSchema = variant('WorkStarted');
export const WorkCompletedSchema = variant('WorkCompleted');
export const CustomerWaitStartedSchema = variant('CustomerWaitStarted');
export const CustomerWaitEndedSchema = variant('CustomerWaitEnded');
export const CustomerNotifiedSchema = variant('CustomerNotified');
export const JourneyCompletedSchema = variant('JourneyCompleted');

/** The event envelope: one source of truth for TypeScript types, JSON Schema and OpenAPI. */
export const JourneyEventSchema = z.discriminatedUnion('type', [
  JourneyStartedSchema,
  HandoffRequestedSchema,
  WorkStartedSchema,
  WorkCompletedSchema,
  CustomerWaitStartedSchema,
  CustomerWaitEndedSchema,
  CustomerNotifiedSchema,
  JourneyCompletedSchema,
]);

export type JourneyEvent = z.infer<typeof JourneyEventSchema>;
export type JourneyEventOf<T extends EventType> = Extract<JourneyEvent, { type: T }>;

/** What a producer hands to the emitter or the HTTP ingress before id/time/version are filled in. */
export type JourneyEventInput = {
  [T in EventType]: Omit<JourneyEventOf<T>, 'id' | 'occurredAt' | 'schemaVersion'> &
    Partial<Pick<JourneyEventOf<T>, 'id' | 'occurredAt' | 'schemaVersion'>>;
}[EventType];
