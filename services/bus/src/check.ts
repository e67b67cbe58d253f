import { CURRENT_SCHEMA_VERSION, JourneyEventSchema, MAX_EVENT_BYTES, validateEvent, type JourneyEvent, type ValidationResult } from '@journeys/contracts';

/**
 * The one validation an event gets on its way in (emitter, HTTP ingress, ingest): the
 * common case in a single zod pass, the rest through contracts' validateEvent for
 * upcasting and its full list of problems.
 *
 * A current-version event that parses as a whole is exactly what validateEvent returns
 * (upcasting the current version is the identity). Re-serialised, an event grows at most
 * about 5× its wire bytes (`1e20` becomes 21 digits), so only a small body (`wireBytes`
 * within a sixth of the limit) skips the exact size check; without `wireBytes` the size is
 * always measured.
 */
export function checkEvent(raw: unknown, options: { pathPrefix?: string; wireBytes?: number } = {}): ValidationResult<JourneyEvent> {
  if (typeof raw === 'object' && raw !== null && (raw as { schemaVersion?: unknown }).schemaVersion === CURRENT_SCHEMA_VERSION) {
    const parsed = JourneyEventSchema.safeParse(raw);
    if (parsed.success) {
      const small = options.wireBytes !== undefined && options.wireBytes * 6 <= MAX_EVENT_BYTES;
      if (small || Buffer.byteLength(JSON.stringify(parsed.data), 'utf8') <= MAX_EVENT_BYTES) return { ok: true, value: parsed.data };
    }
  }
  return validateEvent(raw, options.pathPrefix !== undefined ? { pathPrefix: options.pathPrefix } : {});
}
