/**
 * Issue 13's attacks on the bus, against the nats-server `journey demo` starts
 * (startLocalNats) with `journey serve`'s runtime on it: each now fails to do harm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { connectNatsBus, type NatsBus } from '@journeys/bus';
import { departmentInboxPrefix } from '@journeys/contracts';
import { createEmitter, EmitRejectedError } from '@journeys/emitter';
import { loadConfig } from '../../services/cli/src/config.ts';
import { startLocalNats, type LocalNats } from '../../services/cli/src/local-nats.ts';
import { startRuntime, type Runtime } from '../../services/cli/src/runtime.ts';
import { natsServerAvailable } from '../support/nats.ts';
import { tempDir, waitFor } from './helpers.ts';

describe.skipIf(!natsServerAvailable())('the bus journey demo starts is authenticated: the attacks of issue 13 do no harm', () => {
  const dir = tempDir('journeys-bus-attacks-');
  let nats: LocalNats;
  let rt: Runtime;
  let intake: NatsBus;
  const url = () => nats.displayUrl;
  const as = (user: string) => ({ servers: url(), user, pass: nats.passwords.get(user)! });

  const status = async (journeyId: string) => {
    const token = await rt.auth.sign({ role: 'customer', journeyId });
    return (await (await fetch(`${rt.url}/api/journeys/${journeyId}/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as { state?: string };
  };

  beforeAll(async () => {
    nats = await startLocalNats({ dataDir: join(dir.path, 'nats') });
    const config = loadConfig({ JOURNEY_STORE: `sqlite:${join(dir.path, 'journeys.db')}`, NATS_URL: nats.url, JOURNEY_AUTH_SECRET: randomBytes(32).toString('base64url'), PORT: '0', HOST: '127.0.0.1' });
    rt = await startRuntime({ config, logger: pino({ level: 'silent' }), announce: () => {}, readStore: false });
    intake = await connectNatsBus({ ...as('intake'), inboxPrefix: departmentInboxPrefix('Intake'), manageStreams: false });
    // a journey in progress, started by Intake through its own SDK
    const emitter = createEmitter({ department: 'Intake', bus: intake });
    await emitter.journeyStarted('claim-1', { journeyType: 'claim', channel: 'web', customerRef: 'c-1' });
    await waitFor('the journey visible', async () => (await status('claim-1')).state === 'in-progress');
  }, 60_000);

  afterAll(async () => {
    await intake?.close();
    await rt?.close();
    await nats?.stop();
    dir.remove();
  });

  it('keeps the generated credentials private', () => {
    expect(statSync(nats.credentialsFile).mode & 0o077).toBe(0);
    expect([...nats.passwords.keys()]).toEqual(expect.arrayContaining(['ingest', 'intake', 'legal', 'billing']));
  });

  it('refuses a client without credentials', async () => {
    await expect(connectNatsBus({ servers: url(), manageStreams: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(connectNatsBus({ servers: url(), user: 'intake', pass: 'guessed', manageStreams: false })).rejects.toThrow(/Authorization Violation/i);
  });

  it('refuses Intake publishing a JourneyCompleted as Legal, on the subject and in the payload', async () => {
    const forged = { id: randomUUID(), type: 'JourneyCompleted', journeyId: 'claim-1', department: 'Legal', occurredAt: new Date().toISOString(), schemaVersion: 1, data: { outcome: 'rejected' } };
    // on Legal's subject: the server refuses it
    const onLegal = await intake.publishRaw('journey.events.legal.JourneyCompleted', JSON.stringify(forged), { msgId: `legal:${forged.id}` });
    expect(onLegal).toMatchObject({ ok: false, error: { code: 'rejected' } });
    // through the SDK: the same
    const asLegal = createEmitter({ department: 'Legal', bus: intake });
    await expect(asLegal.journeyCompleted('claim-1', { outcome: 'rejected' })).rejects.toBeInstanceOf(EmitRejectedError);
    // on its own subject, claiming to be Legal: dead-lettered by ingest
    const onIntake = await intake.publishRaw('journey.events.intake.JourneyCompleted', JSON.stringify(forged), { msgId: `intake:${forged.id}` });
    expect(onIntake.ok).toBe(true);
    await waitFor('the lie dead-lettered', async () => (await rt.bus.deadLetters()).some((l) => l.eventId === forged.id));
    expect((await rt.bus.deadLetters()).find((l) => l.eventId === forged.id)?.reason).toBe('department_mismatch');
    // the customer still sees the journey in progress; the history holds only the real event
    expect((await status('claim-1')).state).toBe('in-progress');
    expect(await rt.store.eventsAfter(0)).toBe(1);
    expect((await rt.store.verify()).ok).toBe(true);
  });

  it('does not let a department read the events or the customer statuses', async () => {
    const bus = await connectNatsBus({ ...as('intake'), inboxPrefix: departmentInboxPrefix('Intake'), manageStreams: false });
    const nc = bus.connection;
    try {
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error));
      })();
      nc.subscribe('journey.events.>');
      nc.subscribe('$KV.>');
      nc.subscribe('_INBOX.>');
      await nc.flush();
      await waitFor('three permission errors', () => errors.filter((e) => /permissions violation/i.test(e)).length >= 3, 5000);
    } finally {
      await bus.close();
      await nc.close();
    }
  });

  it('does not let a department delete the dead-letter queue or purge the events', async () => {
    const jsm = await intake.manager();
    await expect(jsm.streams.delete('JOURNEY_DLQ')).rejects.toThrow();
    await expect(jsm.streams.purge('JOURNEY_EVENTS')).rejects.toThrow();
    const admin = rt.bus as NatsBus;
    const info = await (await admin.manager()).streams.info('JOURNEY_EVENTS');
    expect(info.state.messages).toBeGreaterThanOrEqual(2);
  });

  it('says not ready when JOURNEY_DLQ or JOURNEY_EVENTS disappear (an operator slip), and ready again once they are back', async () => {
    const ready = async () => {
      const res = await fetch(`${rt.url}/readyz`);
      return { status: res.status, body: (await res.json()) as { reasons?: string[]; detail?: string } };
    };
    expect((await ready()).status).toBe(200);
    const service = await connectNatsBus({ ...as('ingest'), manageStreams: false });
    try {
      const jsm = await service.manager();
      await jsm.streams.delete('JOURNEY_DLQ');
      let r = await ready();
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.body)).toMatch(/JOURNEY_DLQ does not exist/);
      await service.ensureStreams();
      expect((await ready()).status).toBe(200);
      await jsm.streams.delete('JOURNEY_EVENTS');
      r = await ready();
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.body)).toMatch(/JOURNEY_EVENTS does not exist/);
      await service.ensureStreams();
      await waitFor('ready again', async () => (await ready()).status === 200, 10_000);
    } finally {
      await service.close();
    }
  });
});
