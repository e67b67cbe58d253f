import { CURRENT_SCHEMA_VERSION, JourneyEventSchema, MAX_EVENT_BYTES, validateEvent, type JourneyEvent } from '@journeys/contracts';
import { EmptyBatchError, EventStoreError, InvalidEventError } from './errors.ts';
import type { AppendOptions, ExpectedRevision } from './port.ts';

/** A validated event and its payload as the JSON text the store keeps. */
export interface ValidEvent {
  event: JourneyEvent;
  data: string;
}

/** JSON of the envelope without `data` is at most ~1 300 UTF-16 units, each at most 3 UTF-8 bytes. */
const ENVELOPE_BYTES_BOUND = 8192;

/**
 * The common case in one zod pass: a current-version event that parses as a whole is
 * exactly what validateEvent would return (upcasting a current version is the identity).
 * Anything else goes through validateEvent for upcasting and its full list of problems.
 */
function fastPath(input: unknown): ValidEvent | undefined {
  if (typeof input !== 'object' || input === null || (input as { schemaVersion?: unknown }).schemaVersion !== CURRENT_SCHEMA_VERSION)
    return undefined;
  const parsed = JourneyEventSchema.safeParse(input);
  if (!parsed.success) return undefined;
  const data = JSON.stringify(parsed.data.data);
  // Exact size only when the payload is large enough for the limit to matter.
  if (
    data.length * 3 + ENVELOPE_BYTES_BOUND > MAX_EVENT_BYTES &&
    Buffer.byteLength(JSON.stringify(parsed.data), 'utf8') > MAX_EVENT_BYTES
  ) {
    return undefined;
  }
  return { event: parsed.data, data };
}

/** Validates a batch before anything is written: the whole batch is refused on the first bad event. */
export function validateBatch(events: readonly unknown[]): ValidEvent[] {
  if (!Array.isArray(events) || events.length === 0) throw new EmptyBatchError();
  const out = new Array<ValidEvent>(events.length);
  for (let i = 0; i < events.length; i++) {
    const input: unknown = events[i];
    let fast: ValidEvent | undefined;
    try {
      fast = fastPath(input);
    } catch {
      fast = undefined;
    }
    if (fast) {
      out[i] = fast;
      continue;
    }
    let result: ReturnType<typeof validateEvent>;
    try {
      result = validateEvent(input, { pathPrefix: events.length > 1 ? `[${i}]` : '' });
    } catch (err) {
      // e.g. a getter that throws, or a payload JSON cannot represent
      throw new InvalidEventError(`invalid event at index ${i}: ${(err as Error).message}`, idOf(input));
    }
    if (!result.ok) {
      const list = result.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ');
      throw new InvalidEventError(`invalid event at index ${i}: ${list}`, idOf(input), result.problems);
    }
    out[i] = { event: result.value, data: JSON.stringify(result.value.data) };
  }
  return out;
}

function idOf(input: unknown): string | undefined {
  if (typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'string') {
    return (input as { id: string }).id;
  }
  return undefined;
}

export function normaliseExpected(options: AppendOptions | undefined): ExpectedRevision {
  const expected = options?.expectedRevision ?? 'any';
  if (expected === 'any' || expected === 'no_stream' || expected === 'exists') return expected;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
  throw new EventStoreError(`expectedRevision must be 'any', 'no_stream', 'exists' or a revision >= 0, got ${String(expected)}`);
}

/** True when a stream whose last revision is `actual` (-1: none) satisfies `expected`. */
export function revisionMatches(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'exists':
      return actual >= 0;
    default:
      return actual === expected;
  }
}

/**
 * Brings a stored payload to the current shape. Rows at the current version were validated
 * on append and are covered by the hash chain, so they are returned as they are (validating
 * a million rows with zod would make reads several times slower); older rows go through
 * the upcasters and validation.
 */
export function upcastStored(event: JourneyEvent, where: string): JourneyEvent {
  if (event.schemaVersion === CURRENT_SCHEMA_VERSION) return event;
  const result = validateEvent(event);
  if (!result.ok) {
    throw new EventStoreError(
      `stored event at ${where} cannot be read: ${result.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  }
  return result.value;
}
