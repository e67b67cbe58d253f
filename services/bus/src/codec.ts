import { departmentSlug, EVENTS_SUBJECT_PREFIX, type JourneyEvent } from '@journeys/contracts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

// departments are few and every event names one: slugging (NFKD + regexes) once each is enough
const slugs = new Map<string, string>();
export function cachedSlug(department: string): string {
  let slug = slugs.get(department);
  if (slug === undefined) {
    slug = departmentSlug(department);
    if (slugs.size > 10_000) slugs.clear();
    slugs.set(department, slug);
  }
  return slug;
}

/**
 * The bus's deduplication key of an event (`Nats-Msg-Id`): `<department slug>:<event id>`.
 * Scoped by department so that one department publishing another's event id first cannot
 * make JetStream drop the real event as a duplicate; ingest then finds the clash in the
 * store and dead-letters it (`id_conflict`). Ingest still accepts a bare event id (emitters
 * older than this rule).
 */
export function busMessageId(slug: string, eventId: string): string {
  return `${slug}:${eventId}`;
}

/** What goes on the wire for one event: its subject, its deduplication key and its JSON body. */
export function encodeEvent(event: JourneyEvent): { subject: string; msgId: string; data: Uint8Array } {
  const slug = cachedSlug(event.department);
  return { subject: `${EVENTS_SUBJECT_PREFIX}.${slug}.${event.type}`, msgId: busMessageId(slug, event.id), data: encoder.encode(JSON.stringify(event)) };
}

export function toBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === 'string' ? encoder.encode(payload) : payload;
}

/** Bytes as text, replacing invalid UTF-8 (a dead letter keeps what it can show). */
export function toText(data: Uint8Array): string {
  return decoder.decode(data);
}
