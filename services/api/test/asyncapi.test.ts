import { Parser } from '@asyncapi/parser';
import { ALERT_KINDS, DEAD_LETTER_REASONS, EVENT_TYPES } from '@journeys/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ app: { viewerDir: '/nonexistent/viewer-dist' } });
});
afterAll(async () => {
  await h?.close();
});

describe('AsyncAPI', () => {
  it('serves an AsyncAPI 3.0 document the official parser accepts without errors', async () => {
    const res = await fetch(`${h.url}/api/asyncapi.json`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const parser = new Parser();
    const { document, diagnostics } = await parser.parse(text);
    const errors = diagnostics.filter((d) => Number(d.severity) === 0); // 0: error;
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');

    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses).toEqual(
      expect.arrayContaining([
        'journey.events.{department}.{type}',
        'journey.dlq.{department}',
        'journey.alerts.{department}',
        '$KV.JOURNEY_STATUS.{key}',
      ]),
    );
    const events = document!.channels().get('events')!;
    expect(events.parameters().get('department')!.description()).toMatch(/NFKD.*\[a-z0-9\].*v5-3rd/s);
    expect(events.parameters().get('type')!.schema()!.enum()).toEqual([...EVENT_TYPES]);
    const names = events
      .messages()
      .all()
      .map((m) => m.name());
    expect(names).toEqual(expect.arrayContaining([...EVENT_TYPES, 'CloudEvent']));
    for (const m of events.messages().all()) {
      expect(m.headers()!.required()).toContain('Nats-Msg-Id');
    }
    // Payloads are the contracts' schemas: a WorkStarted needs data.activity.
    const workStarted = events
      .messages()
      .all()
      .find((m) => m.name() === 'WorkStarted')!;
    const data = workStarted.payload()!.properties()!.data!;
    expect(data.required()).toContain('activity');

    const dlq = document!.channels().get('deadLetters')!.messages().all()[0]!;
    const reasonHeader = dlq.headers()!.properties()!['Journey-Dlq-Reason']!;
    expect(reasonHeader.enum()).toEqual(Object.keys(DEAD_LETTER_REASONS));
    expect(dlq.payload()!.properties()!.reason!.enum()).toEqual(Object.keys(DEAD_LETTER_REASONS));

    // Alerts: the digest schema of the contracts, deduplicated by Nats-Msg-Id like the events.
    const alert = document!.channels().get('alerts')!.messages().all()[0]!;
    expect(alert.headers()!.required()).toContain('Nats-Msg-Id');
    expect(alert.payload()!.properties()!.kind!.enum()).toEqual([...ALERT_KINDS]);
    expect(alert.payload()!.required()).toEqual(expect.arrayContaining(['department', 'kind', 'opened', 'escalated', 'resolved', 'open', 'alerts', 'truncated', 'at']));

    const ops = document!
      .operations()
      .all()
      .map((o) => [o.id(), o.action()]);
    expect(ops).toEqual(
      expect.arrayContaining([
        ['publishEvent', 'send'],
        ['receiveDeadLetter', 'receive'],
        ['receiveAlert', 'receive'],
      ]),
    );
  });

  it('is linked from the OpenAPI document, which lists the CloudEvents content types', async () => {
    const doc = (await (await fetch(`${h.url}/api/openapi.json`)).json()) as {
      paths: Record<string, { get?: object; post?: { requestBody: { content: Record<string, object> } } }>;
    };
    expect(doc.paths['/api/asyncapi.json']?.get).toBeDefined();
    expect(Object.keys(doc.paths['/api/events']!.post!.requestBody.content)).toEqual([
      'application/json',
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
    ]);
  });
});
