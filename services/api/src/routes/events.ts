import express, { type Router } from 'express';
import { BusUnavailableError, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, publishValidated } from '@journeys/bus';
import { CLOUDEVENTS_BATCH_CONTENT_TYPE, CLOUDEVENTS_CONTENT_TYPE, normaliseCloudEvents } from '@journeys/contracts';
import type { AppDeps } from '../deps.ts';
import { authenticate, authorize, principalOf } from '../auth/middleware.ts';
import { HttpProblem } from '../problem.ts';
import type { ApiMetrics } from '../metrics.ts';
import { router } from './async.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * POST /api/events: the HTTP ingress. All or nothing on validation (one bad event refuses
 * the request and lists every problem); after that the bus says per event whether it took
 * it, and a partial failure names both sets, so the caller knows exactly what to resend
 * (ids are idempotency keys: resending a taken one is harmless).
 */
export function eventsRoutes(deps: AppDeps, metrics: ApiMetrics): Router {
  const r = router();
  r.post(
    '/api/events',
    authenticate(deps.auth),
    authorize('events:publish'),
    (req, _res, next) => {
      if (!req.is(JSON_TYPES)) {
        throw new HttpProblem(415, 'unsupported-media-type', `Send the events as JSON: Content-Type: application/json (or ${CLOUDEVENTS_CONTENT_TYPE}, ${CLOUDEVENTS_BATCH_CONTENT_TYPE}).`);
      }
      next();
    },
    express.json({ limit: MAX_BATCH_BYTES, strict: true, type: JSON_TYPES }),
    async (req, res) => {
      const principal = principalOf(req);
      // CloudEvents (structured JSON, one or a batch) become candidate envelopes, then take the native path.
      const asCloudEvents = req.is([CLOUDEVENTS_CONTENT_TYPE, CLOUDEVENTS_BATCH_CONTENT_TYPE]);
      if (asCloudEvents === CLOUDEVENTS_BATCH_CONTENT_TYPE && !Array.isArray(req.body)) {
        throw new HttpProblem(400, 'invalid-request', `A ${CLOUDEVENTS_BATCH_CONTENT_TYPE} body is a JSON array of CloudEvents.`);
      }
      const converted = normaliseCloudEvents(req.body, { strict: typeof asCloudEvents === 'string' });
      if (converted.problems.length > 0) {
        metrics.eventsPublished.inc({ outcome: 'invalid' }, Array.isArray(req.body) ? req.body.length : 1);
        throw new HttpProblem(400, 'invalid-request', `${converted.problems.length} problem(s) in the CloudEvents; nothing was published.`, { problems: converted.problems });
      }
      const body: unknown = converted.body;
      if (Array.isArray(body) && body.length > MAX_BATCH_EVENTS) {
        metrics.eventsPublished.inc({ outcome: 'invalid' }, body.length);
        throw new HttpProblem(
          413,
          'payload-too-large',
          `At most ${MAX_BATCH_EVENTS} events per request; this one has ${body.length}. Split it.`,
        );
      }
      let outcome;
      try {
        outcome = await publishValidated(deps.bus, body, principal.kind === 'department' ? { asDepartment: principal.department } : {});
      } catch (err) {
        if (err instanceof BusUnavailableError)
          throw new HttpProblem(503, 'bus-unavailable', 'The event bus is unavailable; nothing was published. Retry later.', {
            headers: { 'Retry-After': '5' },
          });
        throw err;
      }
      const count = Array.isArray(body) ? body.length : 1;
      if (outcome.status === 400) {
        const { problems } = outcome;
        const codes = new Set(problems.map((p) => p.code));
        if (codes.size === 1 && codes.has('forbidden_department')) {
          metrics.eventsPublished.inc({ outcome: 'forbidden' }, count);
          throw new HttpProblem(
            403,
            'forbidden',
            `A department token publishes only its own department's events (${principal.role}); nothing was published.`,
            { problems },
          );
        }
        if (codes.size === 1 && codes.has('duplicate_id')) {
          metrics.eventsPublished.inc({ outcome: 'invalid' }, count);
          throw new HttpProblem(409, 'conflict', 'The request repeats an event id; each event needs its own id. Nothing was published.', {
            problems,
          });
        }
        metrics.eventsPublished.inc({ outcome: 'invalid' }, count);
        throw new HttpProblem(400, 'invalid-request', `${problems.length} problem(s) in the request; nothing was published.`, { problems });
      }
      const accepted = outcome.results.filter((x) => x.ok).map((x) => x.id);
      metrics.eventsPublished.inc({ outcome: 'accepted' }, accepted.length);
      if (outcome.status === 202) {
        res.status(202).json({ accepted: outcome.accepted, ids: outcome.ids });
        return;
      }
      const notAccepted = outcome.results
        .filter((x) => !x.ok)
        .map((x) => ({ id: x.id, code: x.error?.code ?? 'unavailable', message: x.error?.message ?? 'not acknowledged' }));
      metrics.eventsPublished.inc({ outcome: 'not_accepted' }, notAccepted.length);
      // Both 502 (refused by the bus) and 503 (bus unreachable) are our side: report 503 with
      // the exact split so the caller resends only what was not taken.
      throw new HttpProblem(
        503,
        'bus-unavailable',
        `The bus took ${accepted.length} of ${outcome.results.length} events; resend the ones in notAccepted with the same ids.`,
        {
          headers: { 'Retry-After': '5' },
          members: { accepted, notAccepted },
        },
      );
    },
  );
  return r;
}
