import { describe, expect, it } from 'vitest';
import type { DurationStats } from '@journeys/contracts';
import { openReadStore } from '../src/read-store/read-store.ts';
import { durationStats } from '../src/stats.ts';
import { csvLogEvents, expected, positioned, type OracleStats } from './support.ts';

/**
 * Given a real log, imported as the importer maps it (one event per row, no explicit
 * handoffs), when folded, then the analytics equal what the reference oracle computes.
 */
function close(ours: DurationStats, theirs: OracleStats, what: string): void {
  expect(ours.count, `${what} count`).toBe(theirs.count);
  expect(Math.abs(ours.mean - theirs.mean), `${what} mean`).toBeLessThan(1);
  expect(Math.abs(ours.min - theirs.min), `${what} min`).toBeLessThan(1);
  expect(Math.abs(ours.max - theirs.max), `${what} max`).toBeLessThan(1);
  const tol = (x: number) => Math.max(1, Math.abs(x) * 0.01);
  expect(Math.abs(ours.p50 - theirs.median), `${what} p50`).toBeLessThanOrEqual(tol(theirs.median));
  expect(Math.abs(ours.p90 - theirs.p90), `${what} p90`).toBeLessThanOrEqual(tol(theirs.p90));
}

const LOG_FILES = [
  ['running-example.csv', 'org:resource'],
  ['bpic2013_incidents_first50.csv', 'org:group'],
  ['sepsis_first30.csv', 'org:group'],
  ['receipt.csv', 'org:group'],
] as const;

describe.each(LOG_FILES)('real log %s', (file, groupKey) => {
  const model = openReadStore({ path: ':memory:', clock: () => Date.parse('2030-01-01T00:00:00Z') });
  model.apply(positioned(csvLogEvents(file)));
  const want = expected(file);

  it('handoff pairs equal the oracle handoff_pairs', () => {
    const ours = model.handoffs();
    const theirs = want.handover[groupKey]!;
    expect(ours.handoffs).toBe(theirs.handoffs_total);
    expect(ours.pairs.length).toBe(theirs.handoff_pairs.length);
    const byKey = new Map(ours.pairs.map((p) => [`${p.from}→${p.to}`, p]));
    for (const t of theirs.handoff_pairs) {
      const o = byKey.get(`${t.from}→${t.to}`);
      expect(o, `pair ${t.from}→${t.to}`).toBeDefined();
      close(o!, t, `${t.from}→${t.to}`);
    }
  });

  it('the activity DFG equals the oracle performance_dfg', () => {
    const ours = model.processMap().activities.edges;
    expect(ours.length).toBe(want.performance_dfg.length);
    const byKey = new Map(ours.map((e) => [`${e.from}→${e.to}`, e]));
    for (const t of want.performance_dfg) {
      const o = byKey.get(`${t.from}→${t.to}`);
      expect(o, `arc ${t.from}→${t.to}`).toBeDefined();
      expect(o!.count).toBe(t.count);
      close(o!.delay, t, `arc ${t.from}→${t.to}`);
    }
  });

  it('lead times equal the oracle case durations', () => {
    const leads: number[] = [];
    for (const id of model.listJourneys({}, { limit: 100_000 }).items.map((j) => j.journeyId)) leads.push(model.timeline(id)!.totals.leadTimeSeconds);
    expect(leads.length).toBe(want.counts.cases);
    close(durationStats(leads), want.case_duration_seconds, 'case duration');
    expect(model.eventCount()).toBe(want.counts.events);
  });
});
