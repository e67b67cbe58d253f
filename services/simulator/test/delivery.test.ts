import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { JourneyEvent } from '@journeys/contracts';
import { createInProcessBus, openBus } from '@journeys/bus';
import { getSQLiteEventStore, type EventStore } from '@journeys/event-store';
import { startIngest } from '@journeys/ingest';
import { appendJourneys, emitterSink, playLive, simulateJourneys, splitAtNow, type EventSink } from '../src/index.ts';
import { natsServerAvailable, startNatsServer } from '../../../tests/support/nats.ts';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const quiet = pino({ level: 'silent' });

async function count(store: EventStore): Promise<number> {
  let n = 0;
  for await (const _ of store.readAll()) n++;
  return n;
}

async function waitFor(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const small = () => simulateJourneys({ seed: 11, start: '2026-03-02T00:00:00Z', end: '2026-03-04T00:00:00Z', journeysPerDay: 60 });

describe('delivering simulated events', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'journeys-sim-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends history straight to a store, idempotently', async () => {
    const store = getSQLiteEventStore({ path: join(dir, 'direct.db') });
    try {
      const events = small();
      const first = await appendJourneys(store, events);
      expect(first.written).toBe(events.length);
      const again = await appendJourneys(store, events);
      expect(again).toMatchObject({ written: 0, duplicates: events.length });
      expect(await count(store)).toBe(events.length);
    } finally {
      await store.close();
    }
  });

  it('sends through the emitter SDK and the in-process bus into the store, and a resend adds nothing', async () => {
    const store = getSQLiteEventStore({ path: join(dir, 'bus.db') });
    const bus = createInProcessBus();
    const ingest = await startIngest({ bus, store, logger: quiet, fetchWaitMs: 50 });
    const sink = emitterSink({ bus });
    try {
      const events = small();
      await sink.send(events);
      await waitFor(async () => (await count(store)) === events.length, 'the ingest');
      await sink.send(events.slice(0, 200));
      await waitFor(() => Promise.resolve(bus.pending() === 0), 'the resend to drain');
      expect(await count(store)).toBe(events.length);
      expect(ingest.counters.deadLettered).toBe(0);
    } finally {
      await sink.close();
      await ingest.stop();
      await bus.close();
      await store.close();
    }
  });

  describe.skipIf(!natsServerAvailable())('over NATS JetStream', () => {
    it('sends through one emitter per department into JOURNEY_EVENTS and the ingest stores them all', async () => {
      const nats = await startNatsServer();
      const store = getSQLiteEventStore({ path: join(dir, 'nats.db') });
      const bus = await openBus(nats.url);
      const ingest = await startIngest({ bus, store, logger: quiet, fetchWaitMs: 100 });
      const sink = emitterSink({ bus });
      try {
        const events = small();
        await sink.send(events);
        await waitFor(async () => (await count(store)) === events.length, 'the ingest');
        const stored = [];
        for await (const e of store.readAll()) stored.push(e.event.id);
        expect(new Set(stored)).toEqual(new Set(events.map((e) => e.id)));
      } finally {
        await sink.close();
        await ingest.stop();
        await bus.close();
        await store.close();
        await nats.stop();
      }
    });
  });

  it('splits a run at now: the history, then a future that continues the same run', () => {
    const now = Date.parse('2026-03-05T10:00:00Z');
    const options = { seed: 5, start: '2026-03-02T00:00:00Z', journeysPerDay: 80 };
    const { history, future } = splitAtNow(options, now);
    const next: JourneyEvent[] = [];
    for (let r = future.next(); !r.done && next.length < 200; r = future.next()) next.push(r.value);
    expect(history.every((e) => Date.parse(e.occurredAt) <= now)).toBe(true);
    expect(next.every((e) => Date.parse(e.occurredAt) > now)).toBe(true);
    const whole = simulateJourneys({ ...options, end: next.at(-1)!.occurredAt });
    expect([...history, ...next]).toEqual(whole.slice(0, history.length + next.length));
  });

  it('plays events in real time: each is sent once it has happened, never before', async () => {
    const base = small().slice(0, 3);
    const t0 = Date.now();
    const timed = base.map((e, i) => ({ ...e, occurredAt: new Date(t0 - 1000 + i * 400).toISOString() }));
    const sent: { event: JourneyEvent; at: number }[] = [];
    const sink: EventSink = {
      send: (batch) => {
        const at = Date.now();
        for (const event of batch) sent.push({ event, at });
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    await playLive(timed[Symbol.iterator](), sink);
    expect(sent.map((s) => s.event.id)).toEqual(timed.map((e) => e.id));
    for (const { event, at } of sent) expect(at).toBeGreaterThanOrEqual(Date.parse(event.occurredAt));
  });

  it('stops playing when aborted, even while waiting for the next event', async () => {
    const [e] = small();
    const later = { ...e!, occurredAt: new Date(Date.now() + 3_600_000).toISOString() };
    const sent: JourneyEvent[] = [];
    const controller = new AbortController();
    const played = playLive([later][Symbol.iterator](), { send: (b) => (sent.push(...b), Promise.resolve()), close: () => Promise.resolve() }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await played;
    expect(sent).toEqual([]);
  });
});

describe('journey simulate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'journeys-simcli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const journey = (...args: string[]) =>
    spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['services/cli/src/main.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NATS_URL: '', JOURNEY_STORE: '' },
    });

  it('fills a store through the bus and ingest, and a second run writes nothing new', () => {
    const store = `sqlite:${join(dir, 'cli.db')}`;
    const first = journey('simulate', '--days', '1', '--rate', '40', '--seed', '9', '--to', store);
    expect(first.status, first.stderr).toBe(0);
    const written = /(\d+) events written, 0 already there, 0 dead-lettered/.exec(first.stderr);
    expect(written, first.stderr).not.toBeNull();
    const second = journey('simulate', '--days', '1', '--rate', '40', '--seed', '9', '--to', store, '--direct');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`0 events written, ${written![1]} already there`));
  });

  it('refuses bad input with a message and a non-zero exit', () => {
    const badTarget = journey('simulate', '--to', 'ftp://nowhere');
    expect(badTarget.status).not.toBe(0);
    expect(badTarget.stderr).toMatch(/^journey: --to ftp:\/\/nowhere is not understood/m);
    const badRate = journey('simulate', '--rate', 'lots');
    expect(badRate.status).not.toBe(0);
    expect(badRate.stderr).toMatch(/rate must be a positive number/);
    const noToken = journey('simulate', '--to', 'http://127.0.0.1:9');
    expect(noToken.status).not.toBe(0);
    expect(noToken.stderr).toMatch(/needs --token/);
    const badType = journey('simulate', '--types', 'pizza', '--to', `sqlite:${join(dir, 'x.db')}`);
    expect(badType.status).not.toBe(0);
    expect(badType.stderr).toMatch(/unknown journey type pizza/);
  });

  it('has --help for simulate and demo', () => {
    for (const cmd of ['simulate', 'demo']) {
      const help = journey(cmd, '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/--seed/);
    }
  });
});
