import { z } from 'zod';
import {
  AcceptedSchema,
  AlertDigestSchema,
  AlertPageSchema,
  CalendarsViewSchema,
  ChainVerificationSchema,
  CLOUDEVENTS_BATCH_CONTENT_TYPE,
  CLOUDEVENTS_CONTENT_TYPE,
  CloudEventSchema,
  CustomerStatusSchema,
  DeadLetterSchema,
  DepartmentsSchema,
  HandoffAnalyticsSchema,
  JourneyEventSchema,
  JourneySummarySchema,
  JourneyTimelineSchema,
  ProblemSchema,
  StoredEventSchema,
  page,
  AbstractedProcessMapSchema,
  AbstractedReplaySchema,
  DepartmentFocusSchema,
  OrgUnitsSchema,
  VariantsSchema,
} from '@journeys/contracts';
import {
  FocusQuerySchema,
  JourneySelectQuerySchema,
  ProcessMapQuerySchema,
  ReplayMapQuerySchema,
  TimelineSelectQuerySchema,
  VariantsQuerySchema,
} from '../map-schemas.ts';
import type { Permission } from '../auth/access.ts';
import { ACCESS } from '../auth/access.ts';
import {
  AlertListQuerySchema,
  AuditQuerySchema,
  DeadLetterQuerySchema,
  DepartmentsQuerySchema,
  EmptyQuerySchema,
  HandoffQuerySchema,
  HealthSchema,
  IngressProblemSchema,
  ReadinessSchema,
  StreamQuerySchema,
  TokenQuerySchema,
  TokenRequestSchema,
  TokenResponseSchema,
  RevocationRequestSchema,
  RevocationResponseSchema,
  ErasureRequestSchema,
  ErasureResponseSchema,
} from '../schemas.ts';

/** What a producer may send: id, occurredAt and schemaVersion are filled in when absent. */
const JourneyEventInputSchema = z.discriminatedUnion(
  'type',
  JourneyEventSchema.options.map((v) =>
    (v as unknown as z.ZodObject).partial({ id: true, occurredAt: true, schemaVersion: true }),
  ) as never,
);

const components: Record<string, z.ZodType> = {
  Problem: ProblemSchema,
  IngressProblem: IngressProblemSchema,
  JourneyEvent: JourneyEventSchema,
  JourneyEventInput: JourneyEventInputSchema,
  Accepted: AcceptedSchema,
  JourneySummary: JourneySummarySchema,
  JourneyPage: page(JourneySummarySchema),
  JourneyTimeline: JourneyTimelineSchema,
  TimelinePage: page(JourneyTimelineSchema),
  CustomerStatus: CustomerStatusSchema,
  HandoffAnalytics: HandoffAnalyticsSchema,
  ProcessMap: AbstractedProcessMapSchema,
  Departments: DepartmentsSchema,
  Replay: AbstractedReplaySchema,
  Variants: VariantsSchema,
  DepartmentFocus: DepartmentFocusSchema,
  OrgUnits: OrgUnitsSchema,
  Calendars: CalendarsViewSchema,
  AlertPage: AlertPageSchema,
  AlertDigest: AlertDigestSchema,
  StoredEvent: StoredEventSchema,
  StoredEventPage: page(StoredEventSchema),
  ChainVerification: ChainVerificationSchema,
  DeadLetter: DeadLetterSchema,
  DeadLetterPage: page(DeadLetterSchema),
  Health: HealthSchema,
  Readiness: ReadinessSchema,
  TokenRequest: TokenRequestSchema,
  TokenResponse: TokenResponseSchema,
  RevocationRequest: RevocationRequestSchema,
  RevocationResponse: RevocationResponseSchema,
  ErasureRequest: ErasureRequestSchema,
  ErasureResponse: ErasureResponseSchema,
};

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  description?: string;
  permission?: Permission;
  query?: z.ZodObject;
  pathId?: boolean;
  body?: { schema: object; description: string; alsoAs?: Record<string, object> };
  ok: { status: number; description: string; content: Record<string, { schema: object }> };
  errors: number[];
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/api/events',
    summary: 'Publish one event or an array of up to 1 000 (at most 1 000 000 bytes)',
    description:
      'Validates every event (all or nothing: one invalid event refuses the request, listing every problem with paths such as `[3].data.activity`), then publishes them on the bus and answers 202 once the bus acknowledged each. `id`, `occurredAt` and `schemaVersion` are filled in when absent; send your own `id` to make retries idempotent. A department token publishes only its own department (403). When the bus takes only some events, the 503 lists `accepted` and `notAccepted` ids.',
    permission: 'events:publish',
    body: {
      description: 'One event, or an array of events',
      schema: { oneOf: [ref('JourneyEventInput'), { type: 'array', items: ref('JourneyEventInput'), minItems: 1, maxItems: 1000 }] },
      // CloudEvents 1.0 structured mode (contracts/src/cloudevents.ts has the mapping).
      alsoAs: {
        [CLOUDEVENTS_CONTENT_TYPE]: { schema: ref('CloudEvent') },
        [CLOUDEVENTS_BATCH_CONTENT_TYPE]: { schema: { type: 'array', items: ref('CloudEvent'), minItems: 1, maxItems: 1000 } },
      },
    },
    ok: { status: 202, description: 'Every event was durably accepted by the bus', content: json('Accepted') },
    errors: [400, 401, 403, 409, 413, 415, 503],
  },
  {
    method: 'get',
    path: '/api/journeys',
    summary: 'List journeys (summaries), newest activity first, cursor-paginated',
    permission: 'journeys:read',
    description:
      'With any of `variant`, `handoffFrom`, `handoffTo`, `activeAt`: exactly the journeys so selected (a variant’s journeys, the journeys that made one handoff, those open at an instant), same order and paging; `state` and `breached` do not combine with them.',
    query: JourneySelectQuerySchema,
    ok: { status: 200, description: 'One page', content: json('JourneyPage') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/timelines',
    summary: 'Full timelines of the listed journeys (for the viewer)',
    permission: 'journeys:read',
    description: 'The journeys list’s filters and selection (`variant`, `handoffFrom`, `handoffTo`, `activeAt`): the viewer’s swimlanes and replay page through it.',
    query: TimelineSelectQuerySchema,
    ok: { status: 200, description: 'One page', content: json('TimelinePage') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/journeys/{id}',
    summary: "A journey's timeline: steps, handoffs, totals, SLA",
    permission: 'journeys:read',
    pathId: true,
    query: EmptyQuerySchema,
    ok: { status: 200, description: 'The timeline (ETag; If-None-Match answers 304)', content: json('JourneyTimeline') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/journeys/{id}/status',
    summary: 'The customer-safe status of one journey',
    description: 'A customer token opens only its own journey. The token may be passed as `?token=`. ETag = status version.',
    permission: 'status:read',
    pathId: true,
    query: TokenQuerySchema,
    ok: { status: 200, description: 'The status', content: json('CustomerStatus') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/journeys/{id}/status/stream',
    summary: 'The customer-safe status as server-sent events, on every change',
    description:
      'Events `status` with `id` = status version (send `Last-Event-ID` to resume), comment heartbeats, and `token-expired` before the stream closes when the token expires. A slow client skips intermediate versions and gets the newest.',
    permission: 'status:read',
    pathId: true,
    query: StreamQuerySchema,
    ok: {
      status: 200,
      description: 'An event stream of CustomerStatus',
      content: { 'text/event-stream': { schema: ref('CustomerStatus') } },
    },
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'get',
    path: '/api/stream',
    summary: 'Read-model changes for the viewer, as server-sent events',
    description: 'Events `hello`, `journey` ({journeyId, position}), `caught-up` ({position}) and `resync` (reload everything).',
    permission: 'stream:read',
    query: StreamQuerySchema,
    ok: { status: 200, description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'object' } } } },
    errors: [400, 401, 403, 429],
  },
  {
    method: 'get',
    path: '/api/analytics/handoffs',
    summary: 'Handoff delay statistics per (from, to) department pair',
    description:
      "`clock=business` measures each delay in the receiving department's open hours (JOURNEY_CALENDARS) and says `\"clock\": \"business\"`; without calendars it is a 400 problem naming JOURNEY_CALENDARS.",
    permission: 'analytics:read',
    query: HandoffQuerySchema,
    ok: { status: 200, description: 'Per-pair statistics', content: json('HandoffAnalytics') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/alerts',
    summary: 'Open and resolved silo alerts, newest change first',
    description:
      'A waiting handoff past its pair’s learned p90 (`handoff-overdue`), an SLA at risk (`sla-at-risk`), a customer not heard from (`customer-not-heard`). A department token sees its own department’s alerts only. Cursor-paginated; the cursor is bound to the filters.',
    permission: 'workload:read',
    query: AlertListQuerySchema,
    ok: { status: 200, description: 'One page', content: json('AlertPage') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/alerts/stream',
    summary: 'Alert digests (per department and kind) as server-sent events',
    description:
      'Events `hello`, `alerts` (an AlertDigest: counts of opened, escalated and resolved alerts and at most 20 of them) and `resync` (reload GET /api/alerts). A department token gets its own department’s digests only. The same digests go to JetStream `journey.alerts.<department slug>` (see /api/asyncapi.json) and to the configured webhooks.',
    permission: 'workload:read',
    query: StreamQuerySchema,
    ok: { status: 200, description: 'An event stream of AlertDigest', content: { 'text/event-stream': { schema: ref('AlertDigest') } } },
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'get',
    path: '/api/calendars',
    summary: 'The business-hours calendars in force: hours, time zone, holidays, closures per department and the default',
    description: '`configured: false` when JOURNEY_CALENDARS is not set: business figures are then absent everywhere.',
    permission: 'workload:read',
    query: EmptyQuerySchema,
    ok: { status: 200, description: 'The calendars', content: json('Calendars') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/analytics/process-map',
    summary: 'Departments (work, queue, WIP) and edges (count, delay)',
    description:
      'Without abstraction parameters: the whole map. `departments`, `paths`, `pathsBy` and `focus` cut it down (busiest departments, strongest edges among them, or one department with its neighbours), and `abstraction` then counts what is not drawn. `groupBy` (an org-unit level of JOURNEY_ORG_UNITS) rolls departments up into units with statistics recomputed over the member handoffs; `expand` draws one unit’s members.',
    permission: 'analytics:read',
    query: ProcessMapQuerySchema,
    ok: { status: 200, description: 'The process map', content: json('ProcessMap') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/analytics/departments',
    summary: 'Workload per department: WIP, queue, oldest waiting, throughput, SLA risk',
    description: 'A department token sees its own department only.',
    permission: 'workload:read',
    query: DepartmentsQuerySchema,
    ok: { status: 200, description: 'Workload', content: json('Departments') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/replay',
    summary: 'Every analytic as it stood at `asOf`',
    permission: 'analytics:read',
    description: 'The process map takes the same abstraction parameters as /api/analytics/process-map (no roll-up).',
    query: ReplayMapQuerySchema,
    ok: { status: 200, description: 'The analytics at that instant', content: json('Replay') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/analytics/variants',
    summary: 'Trace variants (department paths) with count, share, median lead time and median silo delay',
    description: 'Most frequent first. A variant’s `id` selects its journeys on /api/journeys and /api/timelines (`variant=`).',
    permission: 'analytics:read',
    query: VariantsQuerySchema,
    ok: { status: 200, description: 'The variants', content: json('Variants') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/analytics/focus',
    summary: 'One department close up: neighbours, handoffs in and out ranked by delay caused, queue now, journeys waiting',
    permission: 'analytics:read',
    query: FocusQuerySchema,
    ok: { status: 200, description: 'The department', content: json('DepartmentFocus') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/org-units',
    summary: 'The department → organisational unit mapping (JOURNEY_ORG_UNITS)',
    permission: 'analytics:read',
    query: EmptyQuerySchema,
    ok: { status: 200, description: 'The levels and each department’s units', content: json('OrgUnits') },
    errors: [401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/audit/events',
    summary: 'Every stored event with its global position',
    description:
      'Cursor-paginated by global position. With `Accept: application/x-ndjson` the whole filtered history is streamed, one StoredEvent per line.',
    permission: 'audit:read',
    query: AuditQuerySchema,
    ok: {
      status: 200,
      description: 'One page, or the NDJSON stream',
      content: { 'application/json': { schema: ref('StoredEventPage') }, 'application/x-ndjson': { schema: ref('StoredEvent') } },
    },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/audit/verify',
    summary: 'Walks the tamper-evident hash chain and names the first broken position',
    permission: 'audit:read',
    query: EmptyQuerySchema,
    ok: { status: 200, description: 'The verification (ok: false when broken)', content: json('ChainVerification') },
    errors: [400, 401, 403],
  },
  {
    method: 'get',
    path: '/api/dead-letters',
    summary: 'Messages ingest could not store, with their reasons, oldest first',
    description: 'Cursor-paginated by position in the dead-letter queue. Re-drive them with `journey dlq replay` (idempotent).',
    permission: 'deadletters:read',
    query: DeadLetterQuerySchema,
    ok: { status: 200, description: 'One page', content: json('DeadLetterPage') },
    errors: [400, 401, 403],
  },
  {
    method: 'post',
    path: '/api/tokens',
    summary: 'Issue a token (e.g. a customer token for the status widget)',
    permission: 'tokens:issue',
    body: { description: 'Role, journey (customer only) and lifetime', schema: ref('TokenRequest') },
    ok: { status: 201, description: 'The signed token', content: json('TokenResponse') },
    errors: [400, 401, 403, 415],
  },
  {
    method: 'post',
    path: '/api/tokens/revocations',
    summary: 'Revoke a token (by its jti, or the token itself): refused on every request from now, open streams end',
    permission: 'tokens:issue',
    body: { description: 'jti or token', schema: ref('RevocationRequest') },
    ok: { status: 200, description: 'Revoked until the token would have expired', content: json('RevocationResponse') },
    errors: [400, 401, 403, 415],
  },
  {
    method: 'post',
    path: '/api/erasures',
    summary: 'Crypto-shred a customer: destroy their key (personal fields read [erased] for ever; the audit chain still verifies); recorded and signed',
    permission: 'data:erase',
    body: { description: 'The customer reference', schema: ref('ErasureRequest') },
    ok: { status: 200, description: 'Erased', content: json('ErasureResponse') },
    errors: [400, 401, 403, 409, 415],
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    ok: { status: 200, description: 'The process is up', content: json('Health') },
    errors: [],
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: store reachable, bus connected, projections caught up',
    ok: { status: 200, description: 'Ready', content: json('Readiness') },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (a metrics or admin token unless configured public)',
    permission: 'metrics:read',
    ok: { status: 200, description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
    errors: [401, 403],
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    ok: { status: 200, description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/asyncapi.json',
    summary: 'The bus contract: subjects, headers, payloads, dead letters, alerts, the status KV bucket',
    ok: { status: 200, description: 'AsyncAPI 3.0, generated from the same zod contracts', content: { 'application/json': { schema: { type: 'object' } } } },
    errors: [],
  },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: every problem is listed in `problems`',
  401: 'Missing, malformed, expired or forged token',
  403: 'The token may not do this',
  404: 'No such journey or route (or the feature is not configured)',
  409: 'Conflicting ids in one request',
  413: 'Body larger than 1 000 000 bytes or more than 1 000 events',
  415: 'Body is not JSON',
  429: 'Too many open streams for this token',
  503: 'A dependency (bus, store) is unavailable',
};

function stripSchemaKey(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

function queryParameters(schema: z.ZodObject): object[] {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { description?: string }>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    ...(prop.description ? { description: prop.description } : {}),
    schema: prop,
  }));
}

/** Answers read from the projections say how fresh they are (services/api/src/http/freshness.ts). */
const FRESH_PATHS = new Set(['/api/journeys', '/api/timelines', '/api/journeys/{id}', '/api/analytics/handoffs', '/api/analytics/process-map', '/api/analytics/departments', '/api/replay']);
const FRESHNESS_HEADERS = {
  'Journeys-Position': { description: 'The event-store position the read models reflect (opaque; also `freshness.position` in the body)', schema: { type: 'string' } },
  'Journeys-Caught-Up': { description: '`false` while the projections are still catching up with the store: the figures are partial', schema: { type: 'string', enum: ['true', 'false'] } },
};

let cached: object | undefined;

/** OpenAPI 3.1, generated from the zod schemas the handlers parse and the projections return. */
export function openApiDocument(): object {
  if (cached) return cached;
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  const schemas = Object.fromEntries(Object.entries(generated.schemas).map(([k, v]) => [k, stripSchemaKey(v)]));
  // The input schema is about requests: generate it on the input side (defaults optional).
  schemas.JourneyEventInput = stripSchemaKey(z.toJSONSchema(JourneyEventInputSchema, { target: 'draft-2020-12', io: 'input' }));
  schemas.CloudEvent = stripSchemaKey(z.toJSONSchema(CloudEventSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }));
  schemas.TokenRequest = stripSchemaKey(z.toJSONSchema(TokenRequestSchema, { target: 'draft-2020-12', io: 'input' }));

  const paths: Record<string, Record<string, object>> = {};
  for (const op of OPERATIONS) {
    const parameters: object[] = [];
    if (op.pathId)
      parameters.push({
        name: 'id',
        in: 'path',
        required: true,
        description: 'journey id (1–128 printable characters)',
        schema: { type: 'string', minLength: 1, maxLength: 128 },
      });
    if (op.query) parameters.push(...queryParameters(op.query));
    const responses: Record<string, object> = {
      [String(op.ok.status)]: { description: op.ok.description, content: op.ok.content, ...(FRESH_PATHS.has(op.path) ? { headers: FRESHNESS_HEADERS } : {}) },
    };
    for (const status of op.errors) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? 'Error',
        content: {
          'application/problem+json': { schema: ref(op.path === '/api/events' && status === 503 ? 'IngressProblem' : 'Problem') },
        },
      };
    }
    const roles = op.permission ? ACCESS[op.permission] : undefined;
    const operation: Record<string, unknown> = {
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: op.summary,
      description: [op.description, roles ? `Roles: ${roles.join(', ')}.` : 'Public.'].filter(Boolean).join('\n\n'),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: true, description: op.body.description, content: { 'application/json': { schema: op.body.schema }, ...op.body.alsoAs } } }
        : {}),
      responses,
      ...(op.permission ? { security: [{ bearer: [] }] } : { security: [] }),
    };
    (paths[op.path] ??= {})[op.method] = operation;
  }

  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Journeys API',
      version: '1.0.0',
      description:
        'Event-sourced process tracking: ingest department events, read journeys, analytics, customer status and the audit trail. Every error is application/problem+json (RFC 9457).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A token from `journey token --role …` or POST /api/tokens',
        },
      },
    },
  };
  return cached;
}
