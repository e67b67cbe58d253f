import { departmentSlug } from './department.ts';
import type { EventType } from './events.ts';

export const EVENTS_STREAM = 'JOURNEY_EVENTS';
export const DLQ_STREAM = 'JOURNEY_DLQ';
export const EVENTS_SUBJECT_PREFIX = 'journey.events';
export const DLQ_SUBJECT_PREFIX = 'journey.dlq';
export const EVENTS_SUBJECTS = `${EVENTS_SUBJECT_PREFIX}.>`;
export const DLQ_SUBJECTS = `${DLQ_SUBJECT_PREFIX}.>`;
export const JOURNEY_STREAM_PREFIX = 'journey-';

/** `journey.events.<department slug>.<type>` */
export function eventSubject(department: string, type: EventType): string {
  return `${EVENTS_SUBJECT_PREFIX}.${departmentSlug(department)}.${type}`;
}

/** Everything one department may publish: `journey.events.<slug>.>` */
export function departmentSubjectFilter(department: string): string {
  return `${EVENTS_SUBJECT_PREFIX}.${departmentSlug(department)}.>`;
}

/**
 * The inbox prefix of a department's connection: `_INBOX_<slug>`. Its user may subscribe
 * only under it, so one department cannot read another's JetStream acks and replies.
 */
export function departmentInboxPrefix(department: string): string {
  return `_INBOX_${departmentSlug(department)}`;
}

/** `journey.dlq.<department slug>`; `unknown` when the department could not be read. */
export function dlqSubject(department?: string): string {
  return `${DLQ_SUBJECT_PREFIX}.${department ? departmentSlug(department) : 'unknown'}`;
}

/** Parses `journey.events.<slug>.<type>`; undefined when the subject is not of that shape. */
export function parseEventSubject(subject: string): { departmentSlug: string; type: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== 'journey' || parts[1] !== 'events') return undefined;
  return { departmentSlug: parts[2]!, type: parts[3]! };
}

/** One event stream per journey: `journey-<journeyId>`. */
export function journeyStreamName(journeyId: string): string {
  return `${JOURNEY_STREAM_PREFIX}${journeyId}`;
}

export function journeyIdFromStream(stream: string): string | undefined {
  return stream.startsWith(JOURNEY_STREAM_PREFIX) ? stream.slice(JOURNEY_STREAM_PREFIX.length) : undefined;
}
