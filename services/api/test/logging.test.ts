import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyEvents, startHarness, type Harness } from './support/harness.ts';

/** Given request logging at debug, when tokens travel in headers and queries, then no log line holds one. */
let h: Harness;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  h = await startHarness({ logger: pino({ level: 'debug' }, sink) });
  await h.publish(journeyEvents('log-1').slice(0, 2));
});

afterAll(async () => {
  await h?.close();
});

describe('request logs', () => {
  it('carry the request id and never a token', async () => {
    const customer = await h.token('customer', { journeyId: 'log-1' });
    const analyst = await h.token('analyst');
    await fetch(`${h.url}/api/journeys/log-1/status?token=${customer}`, { headers: { 'x-request-id': 'req-log-1' } });
    await h.http('/api/journeys/log-1', { token: analyst });
    await h.http('/api/journeys?limit=zero', { token: analyst });
    await fetch(`${h.url}/api/journeys/log-1/status?token=forged.${customer.slice(10)}`);
    await new Promise((r) => setTimeout(r, 100));
    const all = lines.join('\n');
    expect(all).toContain('req-log-1');
    expect(all).toContain('[REDACTED]');
    for (const token of [customer, analyst]) {
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.split('.')[2]!); // not even the signature part
    }
    expect(all.toLowerCase()).not.toContain('bearer ');
  });
});
