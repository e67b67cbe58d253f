import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { z } from 'zod';
import { CURRENT_SCHEMA_VERSION, type JourneyEvent } from './events.ts';
import { problemsFromZod, type ValidationProblem } from './validation.ts';

/**
 * CloudEvents 1.0, structured JSON mode, on the way in (HTTP and the bus) and out. The
 * mapping to our envelope (docs/events.md):
 *
 * | CloudEvents attribute | envelope field |
 * |---|---|
 * | `id` | `id` as it is when it is a UUID; otherwise the UUIDv5 of (`source`, `id`), the pair CloudEvents makes unique, so a resent event dedups |
 * | `source` | `department`: the extension attribute `department` if present, else the last segment of the source URI, percent-decoded (`/departments/Claims%20Intake` → `Claims Intake`, `urn:acme:dept:V5%203rd` → `V5 3rd`) |
 * | `subject` | `journeyId` (required) |
 * | `time` | `occurredAt` (required) |
 * | `type` | `type`: ours, optionally after a reverse-DNS prefix (`com.acme.journeys.WorkStarted` → `WorkStarted`) |
 * | `data` | `data` (JSON; `datacontenttype` absent or JSON; `data_base64` is refused) |
 * | extensions `actor`, `correlationid`, `causationid`, `schemaversion` | `actor`, `correlationId`, `causationId`, `schemaVersion` (default current) |
 *
 * The result is a candidate envelope: it then takes the same validation, dead letters and
 * deduplication as a native event.
 */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
export const CLOUDEVENTS_BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';
/** Fixed: changing it would give every resent CloudEvent with a non-UUID id a new event id. */
export const CLOUDEVENTS_ID_NAMESPACE = '3b1f6c2a-8d4e-5f7a-9b0c-1d2e3f4a5b6c';

const JSON_CONTENT = /^application\/(?:[\w.+-]+\+)?json(?:\s*;.*)?$/i;

/** The CloudEvents 1.0 structured-mode JSON object (context attributes, data and our extensions). */
export const CloudEventSchema = z
  .object({
    specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
    id: z.string().min(1),
    source: z.string().min(1),
    type: z.string().min(1),
    subject: z.string({ error: 'subject (the journey id) is required' }),
    time: z.string({ error: 'time (when it happened) is required' }),
    datacontenttype: z.string().regex(JSON_CONTENT, 'datacontenttype must be JSON (application/json)').optional(),
    dataschema: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    data_base64: z.never({ error: 'data_base64 is not accepted: send the payload as JSON in data' }).optional(),
    department: z.string().optional(),
    actor: z.string().optional(),
    correlationid: z.string().optional(),
    causationid: z.string().optional(),
    schemaversion: z.union([z.int(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  })
  .loose();
export type CloudEventInput = z.input<typeof CloudEventSchema>;

/** A structured-mode CloudEvent: any JSON object that names its `specversion`. */
export function isCloudEvent(input: unknown): boolean {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'specversion' in input;
}

export function departmentOfSource(source: string): string {
  const path = source.replace(/[?#].*$/, '');
  const last =
    path
      .split(/[/:]/)
      .filter((s) => s !== '')
      .at(-1) ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

export function cloudEventId(source: string, id: string): string {
  return isUuid(id) ? id : uuidv5(JSON.stringify([source, id]), CLOUDEVENTS_ID_NAMESPACE);
}

/** One CloudEvent as a candidate envelope, or what is wrong with it (paths under `pathPrefix`). */
export function fromCloudEvent(
  input: unknown,
  pathPrefix = '',
): { ok: true; value: Record<string, unknown> } | { ok: false; problems: ValidationProblem[] } {
  const parsed = CloudEventSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: problemsFromZod(parsed.error, pathPrefix) };
  const ce = parsed.data;
  return {
    ok: true,
    value: {
      id: cloudEventId(ce.source, ce.id),
      type: ce.type.slice(ce.type.lastIndexOf('.') + 1),
      journeyId: ce.subject,
      department: ce.department ?? departmentOfSource(ce.source),
      occurredAt: ce.time,
      ...(ce.actor !== undefined ? { actor: ce.actor } : {}),
      ...(ce.correlationid !== undefined ? { correlationId: ce.correlationid } : {}),
      ...(ce.causationid !== undefined ? { causationId: ce.causationid } : {}),
      schemaVersion: ce.schemaversion ?? CURRENT_SCHEMA_VERSION,
      data: ce.data ?? {},
    },
  };
}

/**
 * A request or message body with its CloudEvents turned into candidate envelopes: a single
 * object, or an array (a batch, which may mix native events and CloudEvents). With `strict`
 * (the body was sent as application/cloudevents[-batch]+json) every item must be a CloudEvent.
 */
export function normaliseCloudEvents(body: unknown, options: { strict?: boolean } = {}): { body: unknown; problems: ValidationProblem[] } {
  const problems: ValidationProblem[] = [];
  const one = (item: unknown, prefix: string): unknown => {
    if (!options.strict && !isCloudEvent(item)) return item;
    const r = fromCloudEvent(item, prefix);
    if (r.ok) return r.value;
    problems.push(...r.problems);
    return item;
  };
  const out = Array.isArray(body) ? body.map((item, i) => one(item, `[${i}]`)) : one(body, '');
  return { body: out, problems };
}

/** Our event as a structured-mode CloudEvent (the inverse mapping; `source` names the department). */
export function toCloudEvent(event: JourneyEvent): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: event.id,
    source: `/departments/${encodeURIComponent(event.department)}`,
    type: event.type,
    subject: event.journeyId,
    time: event.occurredAt,
    datacontenttype: 'application/json',
    data: event.data,
    department: event.department,
    ...(event.actor !== undefined ? { actor: event.actor } : {}),
    ...(event.correlationId !== undefined ? { correlationid: event.correlationId } : {}),
    ...(event.causationId !== undefined ? { causationid: event.causationId } : {}),
    ...(event.schemaVersion !== CURRENT_SCHEMA_VERSION ? { schemaversion: event.schemaVersion } : {}),
  };
}
