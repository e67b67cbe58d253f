import { z } from 'zod';
import { EVENT_TYPES, EventDataSchemas, JourneyEventSchema } from './events.ts';

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
  return out;
}
