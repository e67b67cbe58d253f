import { departmentSlug, fromCloudEvent, isCloudEvent, parseEventSubject, type JourneyEvent, type ValidationProblem } from '@journeys/contracts';
import { busMessageId, cachedSlug, checkEvent, HEADER_MSG_ID, plausibilityProblems, toText, type BusMessage, type DeadLetterInput } from '@journeys/bus';
import { deadLetterOf, type LetterSource } from './letters.ts';

export type Classified = { ok: true; event: JourneyEvent } | { ok: false; letter: DeadLetterInput; dedupeKey: string };

/**
 * Decides whether one bus message may enter the store. In order, the first failing check
 * names the reason (every problem found is listed):
 *  - `invalid_subject`: not `journey.events.<slug>.<type>`;
 *  - `invalid_json`: the body is not JSON;
 *  - `invalid_event`: the envelope or payload breaks the schema (contracts' validateEvent);
 *  - `department_mismatch`: the subject's slug is not the slug of the payload's department
 *    (a department publishing as another one);
 *  - `type_mismatch`: the subject's type is not the payload's `type`;
 *  - `msg_id_mismatch`: the `Nats-Msg-Id` header is neither `<slug>:<id>` (see busMessageId) nor the
 *    bare event id (deduplication would be wrong);
 *  - `implausible_time`: `occurredAt` more than 5 minutes in the future or before 1970 (see @journeys/bus plausibility).
 */
export function classifyMessage(msg: LetterSource & Pick<BusMessage, 'headers'>, now: number = Date.now()): Classified {
  const subject = parseEventSubject(msg.subject);
  const payload = toText(msg.data);
  const letter = (reason: string, problems: ValidationProblem[], extra: Partial<DeadLetterInput> = {}): Classified => ({
    ok: false,
    ...deadLetterOf(msg, reason, problems, extra),
  });

  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch (err) {
    if (!subject) return letter('invalid_subject', [{ path: '', message: `subject ${msg.subject} is not journey.events.<department slug>.<type>`, code: 'invalid_subject' }]);
    return letter('invalid_json', [{ path: '', message: `the body is not JSON: ${(err as Error).message}`, code: 'invalid_json' }]);
  }
  const rawId = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
  const rawDepartment = typeof raw === 'object' && raw !== null && typeof (raw as { department?: unknown }).department === 'string' ? (raw as { department: string }).department : undefined;
  const extra: Partial<DeadLetterInput> = {
    ...(rawId !== undefined ? { eventId: rawId } : {}),
    ...(!subject && rawDepartment !== undefined ? { departmentSlug: departmentSlug(rawDepartment) } : {}),
  };
  if (!subject) return letter('invalid_subject', [{ path: '', message: `subject ${msg.subject} is not journey.events.<department slug>.<type>`, code: 'invalid_subject' }], extra);

  // A CloudEvent (structured JSON) becomes a candidate envelope and is judged as a native event.
  let cloudEventId: string | undefined;
  if (isCloudEvent(raw)) {
    const converted = fromCloudEvent(raw);
    if (!converted.ok) return letter('invalid_event', converted.problems, extra);
    cloudEventId = typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
    raw = converted.value;
  }

  const checked = checkEvent(raw, { wireBytes: msg.data.length });
  if (!checked.ok) return letter('invalid_event', checked.problems, extra);
  const event = checked.value;

  const checks: Array<[string, ValidationProblem[]]> = [];
  const expectedSlug = cachedSlug(event.department);
  if (expectedSlug !== subject.departmentSlug) {
    checks.push([
      'department_mismatch',
      [{ path: 'department', message: `published on ${msg.subject} (department ${subject.departmentSlug}) but the event is from ${JSON.stringify(event.department)} (${expectedSlug})`, code: 'department_mismatch' }],
    ]);
  }
  if (event.type !== subject.type) {
    checks.push(['type_mismatch', [{ path: 'type', message: `published on ${msg.subject} (type ${subject.type}) but the event is a ${event.type}`, code: 'type_mismatch' }]]);
  }
  const msgId = msg.headers[HEADER_MSG_ID];
  const cloudMsgId = cloudEventId === undefined ? undefined : [cloudEventId, busMessageId(subject.departmentSlug, cloudEventId)];
  if (msgId !== undefined && msgId !== event.id && msgId !== busMessageId(subject.departmentSlug, event.id) && !cloudMsgId?.includes(msgId)) {
    checks.push([
      'msg_id_mismatch',
      [{ path: 'id', message: `header ${HEADER_MSG_ID} ${msgId} is neither ${busMessageId(subject.departmentSlug, event.id)} nor the event id`, code: 'msg_id_mismatch' }],
    ]);
  }
  const time = plausibilityProblems(event, now);
  if (time.length > 0) checks.push(['implausible_time', time]);
  if (checks.length > 0) return letter(checks[0]![0], checks.flatMap(([, p]) => p), extra);
  return { ok: true, event };
}
