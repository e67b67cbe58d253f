import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ERASED_PLACEHOLDER, SEALED_PLACEHOLDER, type JourneyEvent } from '@journeys/contracts';

/**
 * Which fields of an event are personal data (docs/security.md lists them with every copy):
 * the actor, the customer reference, free-text reasons and messages, imported attributes.
 */
type Personal = { actor?: string; customerRef?: string; reason?: string; message?: string; attributes?: Record<string, unknown> };

function personalOf(event: JourneyEvent): Personal {
  const d = event.data as Record<string, unknown>;
  const p: Personal = {};
  if (event.actor !== undefined) p.actor = event.actor;
  if (typeof d.customerRef === 'string') p.customerRef = d.customerRef;
  if (typeof d.reason === 'string') p.reason = d.reason;
  if (typeof d.message === 'string') p.message = d.message;
  if (d.attributes !== undefined) p.attributes = d.attributes as Record<string, unknown>;
  return p;
}

/** AES-256-GCM with a fresh 96-bit IV; the event id and subject are bound in as associated data. */
export function seal(event: JourneyEvent, subject: string, key: Buffer): JourneyEvent {
  const personal = personalOf(event);
  if (Object.keys(personal).length === 0) return event;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${event.id}\u0000${subject}`));
  const ct = Buffer.concat([cipher.update(JSON.stringify(personal), 'utf8'), cipher.final()]);
  const blob = `v1.${subject}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`;
  const data: Record<string, unknown> = { ...(event.data as Record<string, unknown>), sealed: blob };
  if (personal.customerRef !== undefined) data.customerRef = SEALED_PLACEHOLDER;
  if (personal.reason !== undefined) data.reason = SEALED_PLACEHOLDER;
  if (personal.message !== undefined) data.message = SEALED_PLACEHOLDER;
  delete data.attributes;
  const out = { ...event, data } as JourneyEvent;
  if (personal.actor !== undefined) out.actor = SEALED_PLACEHOLDER;
  return out;
}

export function sealedSubject(event: JourneyEvent): string | undefined {
  const blob = (event.data as { sealed?: unknown }).sealed;
  return typeof blob === 'string' ? blob.split('.')[1] : undefined;
}

export class SealBrokenError extends Error {
  override name = 'SealBrokenError';
}

/**
 * The event as it was sent, or (key erased) with every personal field `[erased]` and the
 * imported attributes gone. A blob that does not open under an existing key was altered.
 */
export function unseal(event: JourneyEvent, key: Buffer | undefined): JourneyEvent {
  const d = event.data as Record<string, unknown>;
  const blob = d.sealed;
  if (typeof blob !== 'string') return event;
  const { sealed: _, ...data } = d;
  const out = { ...event, data } as JourneyEvent & { data: Record<string, unknown> };
  if (key === undefined) {
    for (const f of ['customerRef', 'reason', 'message'] as const) if (data[f] === SEALED_PLACEHOLDER) data[f] = ERASED_PLACEHOLDER;
    if (out.actor === SEALED_PLACEHOLDER) out.actor = ERASED_PLACEHOLDER;
    return out;
  }
  const [, subject, b64] = blob.split('.');
  const raw = Buffer.from(b64!, 'base64');
  let personal: Personal;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${event.id}\u0000${subject}`));
    decipher.setAuthTag(raw.subarray(12, 28));
    personal = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Personal;
  } catch {
    throw new SealBrokenError(`the sealed personal data of event ${event.id} does not open with its key: it was altered`);
  }
  if (personal.customerRef !== undefined) data.customerRef = personal.customerRef;
  if (personal.reason !== undefined) data.reason = personal.reason;
  if (personal.message !== undefined) data.message = personal.message;
  if (personal.attributes !== undefined) data.attributes = personal.attributes;
  if (personal.actor !== undefined) out.actor = personal.actor;
  return out;
}
