import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { JourneyEvent } from '@journeys/contracts';
import { renderNatsConfig } from '../../infra/nats/config.ts';

/** Polls until `check` returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tempDir(prefix = 'journeys-ingest-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Users of the test server: the shipped permission model with literal passwords. */
export const PASSWORDS = { ingest: 'jingest', intake: 'jintake', billing: 'jbilling', 'v5-3rd': 'jv53rd' };
export const natsConfig = () => renderNatsConfig({ departments: ['Intake', 'Billing', 'V5 3rd'], passwords: PASSWORDS });
export const ingestUser = { user: 'ingest', pass: PASSWORDS.ingest };

export function workStarted(journeyId: string, department: string, overrides: Partial<JourneyEvent> = {}): JourneyEvent {
  return {
    id: uuidv7(),
    type: 'WorkStarted',
    journeyId,
    department,
    occurredAt: new Date().toISOString(),
    schemaVersion: 1,
    data: { activity: 'Check documents' },
    ...overrides,
  } as JourneyEvent;
}
