import { z } from 'zod';
import { EVENT_TYPES, EventDataSchemas, JourneyEventSchema } from './events.ts';
import { CalendarFileSchema } from './calendars.ts';
import { AlertDigestSchema, AlertRulesSchema } from './alerts.ts';

/** JSON Schema (draft 2020-12) documents generated from the zod contracts: never written by hand. */
export function renderSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {
    'journey-event': {
      $id: 'https://journeys.dev/schemas/journey-event.json',
      title: 'Journeys event envelope (schemaVersion 1)',
      ...z.toJSONSchema(JourneyEventSchema, { target: 'draft-2020-12' }),
    },
  };
  for (const type of EVENT_TYPES) {
    out[`data/${type}`] = {
      $id: `https://journeys.dev/schemas/data/${type}.json`,
      title: `${type} payload (schemaVersion 1)`,
      ...z.toJSONSchema(EventDataSchemas[type], { target: 'draft-2020-12' }),
    };
  }
  // Files operators write (calendars, alert rules) and what the alert subjects carry.
  out['calendar-file'] = {
    $id: 'https://journeys.dev/schemas/calendar-file.json',
    title: 'JOURNEY_CALENDARS: business-hours calendars per department',
    ...z.toJSONSchema(CalendarFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
  };
  out['alert-rules'] = {
    $id: 'https://journeys.dev/schemas/alert-rules.json',
    title: 'JOURNEY_ALERT_RULES: when silo alerts open and escalate',
    ...z.toJSONSchema(AlertRulesSchema, { target: 'draft-2020-12', io: 'input' }),
  };
  out['alert-digest'] = {
    $id: 'https://journeys.dev/schemas/alert-digest.json',
    title: 'An alert digest (journey.alerts.<department slug>, GET /api/alerts/stream, webhooks)',
    ...z.toJSONSchema(AlertDigestSchema, { target: 'draft-2020-12' }),
  };
  return out;
}
