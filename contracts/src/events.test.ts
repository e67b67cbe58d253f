import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { departmentSlug, eventSubject, journeyStreamName, parseEventSubject, renderSchemas, UpcasterRegistry, validateEvent } from './index.ts';

const valid = () => ({
  id: randomUUID(),
  type: 'WorkStarted',
  journeyId: 'claim-42',
  department: 'V5 3rd',
  occurredAt: '2026-03-01T09:30:00+01:00',
  schemaVersion: 1,
  data: { activity: 'Assess damage' },
});

describe('event envelope', () => {
  it('accepts a valid event and keeps the department name as the organisation writes it', () => {
    const r = validateEvent(valid());
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.department).toBe('V5 3rd');
  });

  it('lists every problem with its path, envelope and payload together', () => {
    const r = validateEvent({ ...valid(), id: 'nope', occurredAt: '2026-03-01 09:30', data: { activity: '', extra: 1 } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['id', 'occurredAt', 'data.activity', 'data']));
  });

  it('rejects unknown event types and unknown envelope fields', () => {
    const r = validateEvent({ ...valid(), type: 'Nope', surprise: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['type']));
  });

  it('rejects control characters in names and requires an offset on instants', () => {
    const r = validateEvent({ ...valid(), journeyId: 'a\u0000b', occurredAt: '2026-03-01T09:30:00' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path).sort()).toEqual(['journeyId', 'occurredAt']);
  });

  it('upcasts an older schemaVersion through the registry before validating', () => {
    const registry = new UpcasterRegistry(2).register('WorkStarted', 1, ({ task, ...rest }) => ({ ...rest, activity: String(task) }));
    // A v1 payload named the activity `task`; v2 (current for this registry) calls it `activity`.
    const r = validateEvent({ ...valid(), schemaVersion: 1, data: { task: 'Assess' } }, { registry });
    expect(r).toMatchObject({ ok: true, value: { schemaVersion: 2, data: { activity: 'Assess' } } });
    const newer = validateEvent({ ...valid(), schemaVersion: 3 }, { registry });
    expect(newer.ok).toBe(false);
  });
});

describe('names', () => {
  it.each([
    ['V5 3rd', 'v5-3rd'],
    ['Legal & Compliance', 'legal-compliance'],
    ['Évaluation', 'evaluation'],
    ['EMPTY', 'empty'],
  ])('slugs %s as %s', (name, slug) => expect(departmentSlug(name)).toBe(slug));

  it('gives names with no Latin letters a stable hashed slug', () => {
    expect(departmentSlug('経理')).toMatch(/^x-[0-9a-f]{12}$/);
    expect(departmentSlug('経理')).toBe(departmentSlug('経理'));
    expect(departmentSlug('経理')).not.toBe(departmentSlug('法務'));
  });

  it('builds and parses subjects and stream names', () => {
    expect(eventSubject('V5 3rd', 'WorkStarted')).toBe('journey.events.v5-3rd.WorkStarted');
    expect(parseEventSubject('journey.events.v5-3rd.WorkStarted')).toEqual({ departmentSlug: 'v5-3rd', type: 'WorkStarted' });
    expect(parseEventSubject('journey.dlq.x')).toBeUndefined();
    expect(journeyStreamName('claim-42')).toBe('journey-claim-42');
  });
});

describe('JSON Schema', () => {
  it('is generated from the zod schemas and matches the committed files', async () => {
    const { readFileSync } = await import('node:fs');
    const schemas = renderSchemas();
    for (const [name, schema] of Object.entries(schemas)) {
      const file = new URL(`../schemas/${name}.json`, import.meta.url);
      expect(JSON.parse(readFileSync(file, 'utf8')), `schemas/${name}.json is stale: run pnpm schemas`).toEqual(schema);
    }
  });
});
