import { z } from 'zod';
import {
  CURRENT_SCHEMA_VERSION,
  EventDataSchemas,
  EventTypeSchema,
  JourneyEventSchema,
  MAX_EVENT_BYTES,
  envelopeShape,
  type JourneyEvent,
} from './events.ts';
import { UpcastError, upcasters as defaultRegistry, type UpcasterRegistry } from './upcast.ts';

/** One thing wrong with an input, located by a JSON path such as `data.activity` or `[3].occurredAt`. */
export const ValidationProblemSchema = z.object({
  path: z.string(),
  message: z.string(),
  code: z.string(),
});
export type ValidationProblem = z.infer<typeof ValidationProblemSchema>;

export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function problemsFromZod(error: z.ZodError, prefix = ''): ValidationProblem[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path, prefix),
    message: issue.message,
    code: issue.code,
  }));
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

const envelopeWithoutData = z.strictObject({ ...envelopeShape, type: EventTypeSchema, data: z.record(z.string(), z.unknown()) });

/**
 * Validates one event and reports every problem at once: envelope fields and payload
 * fields together (a discriminated union alone stops at a bad `type`). Older
 * `schemaVersion`s are upcast first, so a valid old event comes back in the current shape.
 */
export function validateEvent(input: unknown, options: { registry?: UpcasterRegistry; pathPrefix?: string } = {}): ValidationResult<JourneyEvent> {
  const prefix = options.pathPrefix ?? '';
  const registry = options.registry ?? defaultRegistry;
  const base = envelopeWithoutData.safeParse(input);
  const problems: ValidationProblem[] = base.success ? [] : problemsFromZod(base.error, prefix);

  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const type = EventTypeSchema.safeParse(raw.type);
  const rawData = raw.data;
  if (type.success && typeof rawData === 'object' && rawData !== null && !Array.isArray(rawData)) {
    let data = rawData as Record<string, unknown>;
    const version = typeof raw.schemaVersion === 'number' && Number.isInteger(raw.schemaVersion) ? raw.schemaVersion : CURRENT_SCHEMA_VERSION;
    try {
      data = registry.upcast(type.data, version, data);
    } catch (err) {
      if (!(err instanceof UpcastError)) throw err;
      problems.push({ path: formatPath(['schemaVersion'], prefix), message: err.message, code: 'unsupported_version' });
      return { ok: false, problems };
    }
    const payload = EventDataSchemas[type.data].safeParse(data);
    if (!payload.success) problems.push(...problemsFromZod(payload.error, formatPath(['data'], prefix)));
    if (problems.length === 0) {
      const event = JourneyEventSchema.safeParse({ ...raw, data: payload.data, schemaVersion: registry.currentVersion });
      if (!event.success) return { ok: false, problems: problemsFromZod(event.error, prefix) };
      const size = Buffer.byteLength(JSON.stringify(event.data), 'utf8');
      if (size > MAX_EVENT_BYTES) {
        return { ok: false, problems: [{ path: prefix, message: `event is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`, code: 'too_big' }] };
      }
      return { ok: true, value: event.data };
    }
  }
  return { ok: false, problems: dedupe(problems) };
}

function dedupe(problems: ValidationProblem[]): ValidationProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export class EventValidationError extends Error {
  override name = 'EventValidationError';
  constructor(readonly problems: ValidationProblem[]) {
    super(`invalid event: ${problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`);
  }
}

/** Like validateEvent, but throws an EventValidationError listing every problem. */
export function parseEvent(input: unknown, options?: { registry?: UpcasterRegistry }): JourneyEvent {
  const result = validateEvent(input, options);
  if (!result.ok) throw new EventValidationError(result.problems);
  return result.value;
}
