import { z } from 'zod';
import {
  ALERTS_STREAM,
  ALERTS_SUBJECT_PREFIX,
  AlertDigestSchema,
  CLOUDEVENTS_CONTENT_TYPE,
  CloudEventSchema,
  CustomerStatusSchema,
  DEAD_LETTER_REASONS,
  DeadLetterMessageSchema,
  DLQ_STREAM,
  DLQ_SUBJECT_PREFIX,
  EVENT_TYPES,
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
  JourneyEventSchema,
  type EventType,
} from '@journeys/contracts';
import { HEADER_DLQ_REASON, HEADER_DLQ_SUBJECT, HEADER_MSG_ID, STATUS_BUCKET } from '@journeys/bus';

const SLUG_RULE =
  "The department's slug (contracts/src/department.ts): Unicode NFKD with combining marks removed, lower-cased; every run of characters outside [a-z0-9] becomes one '-'; leading and trailing '-' removed, cut to 64 characters; a name that leaves nothing becomes `x-` + the first 12 hex digits of the SHA-256 of its UTF-8 name. `V5 3rd` → `v5-3rd`, `Légal & Co` → `legal-co`. A department may publish only under its own prefix.";

const variantOf = (type: EventType): z.ZodType =>
  JourneyEventSchema.options.find((o) => (o.shape.type as z.ZodLiteral<string>).value === type) as z.ZodType;

const ref = (path: string) => ({ $ref: path });

let cached: object | undefined;

/** AsyncAPI 3.0: the NATS side of Journeys, generated from the same zod contracts as the OpenAPI document. */
export function asyncApiDocument(): object {
  if (cached) return cached;
  const registry = z.registry<{ id: string }>();
  const schemaIds: Record<string, z.ZodType> = {
    ...Object.fromEntries(EVENT_TYPES.map((t) => [t, variantOf(t)])),
    CloudEvent: CloudEventSchema,
    DeadLetter: DeadLetterMessageSchema,
    AlertDigest: AlertDigestSchema,
    CustomerStatus: CustomerStatusSchema,
  };
  for (const [id, schema] of Object.entries(schemaIds)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  const schemas = Object.fromEntries(Object.entries(generated.schemas).map(([k, { $schema: _s, ...rest }]) => [k, rest]));

  const msgIdHeaders = (description: string) => ({
    type: 'object',
    required: [HEADER_MSG_ID],
    properties: { [HEADER_MSG_ID]: { type: 'string', description } },
  });
  const eventMessages = Object.fromEntries(
    EVENT_TYPES.map((t) => [
      t,
      {
        name: t,
        title: `${t} event`,
        contentType: 'application/json',
        headers: msgIdHeaders(
          'The event id. JetStream deduplicates on it within its duplicate window; ingest also dedups by id in the store.',
        ),
        payload: ref(`#/components/schemas/${t}`),
        correlationId: { location: '$message.payload#/correlationId' },
      },
    ]),
  );
  const messages: Record<string, object> = {
    ...eventMessages,
    CloudEvent: {
      name: 'CloudEvent',
      title: 'Any event type as a CloudEvents 1.0 structured JSON event',
      summary:
        'id, source → department, subject → journeyId, time → occurredAt, type (after a reverse-DNS prefix) → type; then the same validation as a native event',
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      headers: msgIdHeaders('The CloudEvent id, or the event id it maps to.'),
      payload: ref('#/components/schemas/CloudEvent'),
    },
    DeadLetter: {
      name: 'DeadLetter',
      title: 'A message ingest refused, with its reason and the original body',
      contentType: 'application/json',
      headers: {
        type: 'object',
        required: [HEADER_DLQ_REASON, HEADER_DLQ_SUBJECT],
        properties: {
          [HEADER_DLQ_REASON]: { type: 'string', enum: Object.keys(DEAD_LETTER_REASONS) },
          [HEADER_DLQ_SUBJECT]: { type: 'string', description: 'The subject the message arrived on' },
        },
      },
      description: Object.entries(DEAD_LETTER_REASONS)
        .map(([reason, text]) => `- \`${reason}\`: ${text}`)
        .join('\n'),
      payload: ref('#/components/schemas/DeadLetter'),
    },
    AlertDigest: {
      name: 'AlertDigest',
      title: 'Silo alerts opened, escalated or resolved, grouped per (department, kind)',
      summary: 'Complete counts, and at most `maxPerDigest` (default 20) of the changed alerts: a backlog is one message, not a flood.',
      contentType: 'application/json',
      headers: msgIdHeaders('A digest of the payload: JetStream drops a digest published twice within its duplicate window.'),
      payload: ref('#/components/schemas/AlertDigest'),
    },
    CustomerStatus: {
      name: 'CustomerStatus',
      title: "A journey's customer-safe status (the value of its KV entry)",
      contentType: 'application/json',
      payload: ref('#/components/schemas/CustomerStatus'),
    },
  };

  const department = { description: SLUG_RULE, examples: ['intake', 'v5-3rd'] };
  const channelMessages = (names: string[]) => Object.fromEntries(names.map((n) => [n, ref(`#/components/messages/${n}`)]));
  const opMessages = (channel: string, names: string[]) => names.map((n) => ref(`#/channels/${channel}/messages/${n}`));
  const eventNames = [...EVENT_TYPES, 'CloudEvent'];

  cached = {
    asyncapi: '3.0.0',
    info: {
      title: 'Journeys bus',
      version: '1.0.0',
      description: `Department systems publish journey events to NATS JetStream (stream \`${EVENTS_STREAM}\` on \`${EVENTS_SUBJECT_PREFIX}.>\`); refused messages go to \`${DLQ_STREAM}\` on \`${DLQ_SUBJECT_PREFIX}.>\` with their reason; silo alerts to \`${ALERTS_STREAM}\` on \`${ALERTS_SUBJECT_PREFIX}.>\`. Generated from the zod contracts (services/api/src/openapi/asyncapi.ts); the HTTP side is /api/openapi.json.`,
    },
    defaultContentType: 'application/json',
    servers: {
      nats: { host: 'localhost:4222', protocol: 'nats', description: 'NATS_URL of the deployment (JetStream enabled).' },
    },
    channels: {
      events: {
        address: `${EVENTS_SUBJECT_PREFIX}.{department}.{type}`,
        title: 'Journey events',
        description: `One subject per department and type; the \`${HEADER_MSG_ID}\` header carries the event id. Native envelopes and CloudEvents are both accepted.`,
        parameters: { department, type: { description: 'The event type; it must equal the payload type.', enum: [...EVENT_TYPES] } },
        messages: channelMessages(eventNames),
      },
      deadLetters: {
        address: `${DLQ_SUBJECT_PREFIX}.{department}`,
        title: 'Dead letters',
        description:
          'Every message ingest refused, never silently dropped; `unknown` when no department could be read. Re-driven with `journey dlq replay`.',
        parameters: { department: { description: `${SLUG_RULE} \`unknown\` when the department could not be read.` } },
        messages: channelMessages(['DeadLetter']),
      },
      alerts: {
        address: `${ALERTS_SUBJECT_PREFIX}.{department}`,
        title: 'Silo alerts',
        description: `Stream \`${ALERTS_STREAM}\` on \`${ALERTS_SUBJECT_PREFIX}.>\` (kept 30 days): a waiting handoff past its pair’s learned p90 (\`handoff-overdue\`, business time with calendars), an SLA at risk (\`sla-at-risk\`), a customer not heard from (\`customer-not-heard\`). The subject is the slug of the department that can act; each department’s NATS user may subscribe to its own. The same digests as GET /api/alerts/stream and the webhooks.`,
        parameters: { department },
        messages: channelMessages(['AlertDigest']),
      },
      customerStatus: {
        address: `$KV.${STATUS_BUCKET}.{key}`,
        title: `Customer status KV bucket ${STATUS_BUCKET}`,
        description: `A replicated NATS KV bucket for stateless widget servers: one entry per journey, its value the status GET /api/journeys/{id}/status serves. Watch it with a KV client on bucket \`${STATUS_BUCKET}\`.`,
        parameters: {
          key: {
            description:
              'The journey id with every UTF-8 byte outside [A-Za-z0-9_-] written `=XX` (upper-case hex): `claim-123` stays, `a b` → `a=20b`.',
          },
        },
        messages: channelMessages(['CustomerStatus']),
      },
    },
    operations: {
      publishEvent: {
        action: 'send',
        channel: ref('#/channels/events'),
        title: 'A department publishes an event',
        summary: 'Publish under your own department prefix, with Nats-Msg-Id = event id.',
        messages: opMessages('events', eventNames),
      },
      receiveDeadLetter: {
        action: 'receive',
        channel: ref('#/channels/deadLetters'),
        title: 'Read dead letters',
        messages: opMessages('deadLetters', ['DeadLetter']),
      },
      receiveAlert: {
        action: 'receive',
        channel: ref('#/channels/alerts'),
        title: 'Follow silo alerts',
        messages: opMessages('alerts', ['AlertDigest']),
      },
      watchCustomerStatus: {
        action: 'receive',
        channel: ref('#/channels/customerStatus'),
        title: 'Watch customer status entries',
        messages: opMessages('customerStatus', ['CustomerStatus']),
      },
    },
    components: { schemas, messages },
  };
  return cached;
}
