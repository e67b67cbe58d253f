import { v7 as uuidv7 } from 'uuid';
import {
  CURRENT_SCHEMA_VERSION,
  departmentSlug,
  type JourneyEvent,
  type ValidationProblem,
} from '@journeys/contracts';
import { BusUnavailableError, MAX_BATCH_EVENTS, type EventBus, type PublishOptions, type PublishResult } from './bus.ts';
import { plausibilityProblems } from './plausibility.ts';
import { checkEvent } from './check.ts';

/**
 * Fills what a producer may leave out: `id` (UUIDv7), `occurredAt` (now) and
 * `schemaVersion` (current). Anything else is left for validation to judge; non-objects
 * pass through untouched so that validation reports them.
 */
export function completeEvent(input: unknown, now: Date = new Date()): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const raw = input as Record<string, unknown>;
  return {
    ...raw,
    id: raw.id ?? uuidv7(),
    occurredAt: raw.occurredAt ?? now.toISOString(),
    schemaVersion: raw.schemaVersion ?? CURRENT_SCHEMA_VERSION,
  };
}

export interface ValidateBatchOptions {
  /** The department the caller is authenticated as: events of another department are refused. */
  asDepartment?: string;
  now?: Date;
}

/**
 * Validates one event or an array (the HTTP ingress body). Either every event is valid
 * and they come back completed, or none is published and every problem is listed, located
 * by its index for arrays (`[3].occurredAt`).
 */
export function validateBatch(
  body: unknown,
  options: ValidateBatchOptions = {},
): { ok: true; events: JourneyEvent[] } | { ok: false; problems: ValidationProblem[] } {
  const now = options.now ?? new Date();
  const many = Array.isArray(body);
  const inputs: unknown[] = many ? (body as unknown[]) : [body];
  if (inputs.length === 0) return { ok: false, problems: [{ path: '', message: 'the array holds no event', code: 'too_small' }] };
  if (inputs.length > MAX_BATCH_EVENTS) {
    return { ok: false, problems: [{ path: '', message: `at most ${MAX_BATCH_EVENTS} events per request; got ${inputs.length}`, code: 'too_big' }] };
  }
  const problems: ValidationProblem[] = [];
  const events: JourneyEvent[] = [];
  const seen = new Map<string, number>();
  inputs.forEach((input, i) => {
    const prefix = many ? `[${i}]` : '';
    const r = checkEvent(completeEvent(input, now), { pathPrefix: prefix });
    if (!r.ok) {
      problems.push(...r.problems);
      return;
    }
    const event = r.value;
    problems.push(...plausibilityProblems(event, now.getTime(), prefix));
    if (options.asDepartment !== undefined && departmentSlug(event.department) !== departmentSlug(options.asDepartment)) {
      problems.push({
        path: prefix ? `${prefix}.department` : 'department',
        message: `you may publish only as department ${JSON.stringify(options.asDepartment)}, not ${JSON.stringify(event.department)}`,
        code: 'forbidden_department',
      });
    }
    const first = seen.get(event.id);
    if (first !== undefined) {
      problems.push({ path: prefix ? `${prefix}.id` : 'id', message: `id ${event.id} repeats event [${first}] of this request`, code: 'duplicate_id' });
    } else seen.set(event.id, i);
    events.push(event);
  });
  return problems.length === 0 ? { ok: true, events } : { ok: false, problems };
}

/**
 * The outcome of an ingress request. `status` is the HTTP status to answer with:
 *  - 202: every event was durably accepted by the bus (`ids` in input order);
 *  - 400: nothing was published; `problems` lists every validation problem;
 *  - 503: the bus could not take some or all events; `results` says, per event, which
 *    were taken (`ok`) and which were not (retry those with the same ids: harmless);
 *  - 502: the bus refused some events for another reason (see each result's error).
 */
export type IngressOutcome =
  | { status: 400; problems: ValidationProblem[] }
  | { status: 202 | 502 | 503; accepted: number; ids: string[]; results: PublishResult[] };

/** Validates then publishes: the whole HTTP ingress in one call. */
export async function publishValidated(
  bus: EventBus,
  body: unknown,
  options: ValidateBatchOptions & PublishOptions = {},
): Promise<IngressOutcome> {
  const checked = validateBatch(body, options);
  if (!checked.ok) return { status: 400, problems: checked.problems };
  let results: PublishResult[];
  try {
    results = await bus.publish(checked.events, options);
  } catch (err) {
    if (!(err instanceof BusUnavailableError)) throw err;
    results = checked.events.map((e) => ({ id: e.id, ok: false, duplicate: false, error: { code: 'unavailable' as const, message: err.message } }));
  }
  const accepted = results.filter((r) => r.ok).length;
  const status = accepted === results.length ? 202 : results.some((r) => !r.ok && r.error?.code === 'unavailable') ? 503 : 502;
  return { status, accepted, ids: results.map((r) => r.id), results };
}
