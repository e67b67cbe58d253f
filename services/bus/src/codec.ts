import { eventSubject, type JourneyEvent } from '@journeys/contracts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** What goes on the wire for one event: its subject and its JSON body. */
export function encodeEvent(event: JourneyEvent): { subject: string; data: Uint8Array } {
  return { subject: eventSubject(event.department, event.type), data: encoder.encode(JSON.stringify(event)) };
}

export function toBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === 'string' ? encoder.encode(payload) : payload;
}

/** Bytes as text, replacing invalid UTF-8 (a dead letter keeps what it can show). */
export function toText(data: Uint8Array): string {
  return decoder.decode(data);
}
