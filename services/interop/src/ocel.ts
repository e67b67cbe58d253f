import { z } from 'zod';

/**
 * The OCEL 2.0 JSON serialisation (https://www.ocel-standard.org/), as far as we write it:
 * the single source of the shape our `--format ocel` export produces and its tests check.
 * The object and event schemas are strict (the standard names no other keys); the document
 * check also verifies what JSON Schema cannot: every type, attribute and related object
 * an event or object refers to is declared.
 */
export const OCEL_ATTRIBUTE_TYPES = ['string', 'time', 'integer', 'float', 'boolean'] as const;
export type OcelAttributeType = (typeof OCEL_ATTRIBUTE_TYPES)[number];

const name = z.string().min(1);
const time = z.iso.datetime({ offset: true });

/**
 * The official schema (shared/standards/ocel20-schema-json.json) types every attribute value
 * as a string: numbers, booleans and times are written as text and typed by the declaration
 * of their event or object type (`integer`, `float`, `boolean`, `time`, `string`).
 */
export const OcelAttributeValueSchema = z.string();
export type OcelAttributeValue = z.infer<typeof OcelAttributeValueSchema>;

export const OcelTypeSchema = z.strictObject({
  name,
  attributes: z.array(z.strictObject({ name, type: z.enum(OCEL_ATTRIBUTE_TYPES) })),
});
export type OcelType = z.infer<typeof OcelTypeSchema>;

export const OcelRelationshipSchema = z.strictObject({ objectId: name, qualifier: name });
export type OcelRelationship = z.infer<typeof OcelRelationshipSchema>;

export const OcelObjectSchema = z.strictObject({
  id: name,
  type: name,
  attributes: z.array(z.strictObject({ name, time, value: OcelAttributeValueSchema })),
  relationships: z.array(OcelRelationshipSchema),
});
export type OcelObject = z.infer<typeof OcelObjectSchema>;

export const OcelEventSchema = z.strictObject({
  id: name,
  type: name,
  time,
  attributes: z.array(z.strictObject({ name, value: OcelAttributeValueSchema })),
  relationships: z.array(OcelRelationshipSchema),
});
export type OcelEvent = z.infer<typeof OcelEventSchema>;

function unique<T>(items: readonly T[], key: (item: T) => string, path: string, ctx: z.core.$RefinementCtx): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path, i], message: `duplicate ${JSON.stringify(k)}` });
    seen.add(k);
  });
  return seen;
}

export const OcelDocumentSchema = z
  .object({
    objectTypes: z.array(OcelTypeSchema),
    eventTypes: z.array(OcelTypeSchema),
    objects: z.array(OcelObjectSchema),
    events: z.array(OcelEventSchema),
  })
  .superRefine((doc, ctx) => {
    const declared = (types: OcelType[]) => new Map(types.map((t) => [t.name, new Set(t.attributes.map((a) => a.name))]));
    unique(doc.objectTypes, (t) => t.name, 'objectTypes', ctx);
    unique(doc.eventTypes, (t) => t.name, 'eventTypes', ctx);
    const objectTypes = declared(doc.objectTypes);
    const eventTypes = declared(doc.eventTypes);
    const objectIds = unique(doc.objects, (o) => o.id, 'objects', ctx);
    unique(doc.events, (e) => e.id, 'events', ctx);
    const check = (section: 'objects' | 'events', types: Map<string, Set<string>>) => (item: OcelObject | OcelEvent, i: number) => {
      const attributes = types.get(item.type);
      if (!attributes) ctx.addIssue({ code: 'custom', path: [section, i, 'type'], message: `undeclared type ${JSON.stringify(item.type)}` });
      item.attributes.forEach((a, j) => {
        if (attributes && !attributes.has(a.name)) ctx.addIssue({ code: 'custom', path: [section, i, 'attributes', j], message: `attribute ${JSON.stringify(a.name)} not declared for ${item.type}` });
      });
      item.relationships.forEach((r, j) => {
        if (!objectIds.has(r.objectId)) ctx.addIssue({ code: 'custom', path: [section, i, 'relationships', j], message: `unknown object ${JSON.stringify(r.objectId)}` });
      });
    };
    doc.objects.forEach(check('objects', objectTypes));
    doc.events.forEach(check('events', eventTypes));
  });
export type OcelDocument = z.infer<typeof OcelDocumentSchema>;
