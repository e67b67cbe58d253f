import { describe, expect, it } from 'vitest';
import { groupingOf, variantId, type OrgUnits } from '@journeys/contracts';
import { abstractMap } from '../src/abstraction.ts';
import { openReadStore } from '../src/read-store/read-store.ts';
import { quantileSorted } from '../src/stats.ts';
import { csvLogEvents, ev, positioned } from './support.ts';

/** A real log with 56 support teams (BPIC 2013 incidents, first 50 cases). */
const model = openReadStore({ path: ':memory:', clock: () => Date.parse('2014-01-01T00:00:00Z') });
model.apply(positioned(csvLogEvents('bpic2013_incidents_first50.csv')));
const whole = model.processMap();

function allJourneys() {
  const out = [];
  let cursor: string | undefined;
  do {
    const p = model.listJourneys({}, { ...(cursor ? { cursor } : {}), limit: 500 });
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe('abstraction of the process map', () => {
  it('without options is the map itself', () => {
    expect(abstractMap(whole)).toBe(whole);
  });

  it('keeps the busiest departments and the strongest edges among them, and counts the rest', () => {
    const a = abstractMap(whole, { departments: 10, paths: 12 });
    const busiest = [...whole.departments].sort((x, y) => y.journeys - x.journeys || y.events - x.events).slice(0, 10);
    expect(a.departments.map((d) => d.department).sort()).toEqual(busiest.map((d) => d.department).sort());
    const kept = new Set(a.departments.map((d) => d.department));
    for (const e of a.edges) expect(kept.has(e.from) && kept.has(e.to)).toBe(true);
    const inside = whole.edges.filter((e) => kept.has(e.from) && kept.has(e.to)).sort((x, y) => y.count - x.count);
    for (const e of inside.slice(0, 12)) expect(a.edges).toContainEqual(e);
    const info = a.abstraction!;
    expect(info.departments).toEqual({ shown: 10, total: whole.departments.length });
    const total = whole.edges.reduce((s, e) => s + e.count, 0);
    const shown = a.edges.reduce((s, e) => s + e.count, 0);
    expect(info.hidden.handoffs).toBe(total - shown);
    expect(info.hidden.handoffShare).toBeCloseTo((total - shown) / total, 12);
    expect(info.hidden.edges).toBe(whole.edges.length - a.edges.length);
  });

  it('ranks paths by the delay they cause when asked', () => {
    const a = abstractMap(whole, { departments: 56, paths: 3, pathsBy: 'delay' });
    const top = [...whole.edges].sort((x, y) => y.delay.sum - x.delay.sum).slice(0, 3);
    for (const e of top) expect(a.edges).toContainEqual(e);
  });

  it('focus keeps a department and its direct neighbours only', () => {
    const dept = whole.departments[0]!.department;
    const a = abstractMap(whole, { focus: dept });
    const near = new Set([dept, ...whole.edges.filter((e) => e.from === dept).map((e) => e.to), ...whole.edges.filter((e) => e.to === dept).map((e) => e.from)]);
    expect(new Set(a.departments.map((d) => d.department))).toEqual(near);
  });
});

describe('roll-up by organisational unit', () => {
  const teams = whole.departments.map((d) => d.department).sort();
  // two levels: teams by their first letters, then two halves of the alphabet
  const units: OrgUnits = {
    levels: ['group', 'half'],
    units: Object.fromEntries(teams.map((t) => [t, [`G-${t.slice(0, 1)}`, t < 'N' ? 'A–M' : 'N–Z']])),
  };

  it('recomputes unit statistics over the member handoffs (exact, not averaged)', () => {
    const grouped = model.processMapGrouped(groupingOf(units, 0));
    const unit = (d: string) => units.units[d]![0]!;
    const delays = new Map<string, number[]>();
    for (const j of allJourneys()) {
      for (const h of model.timeline(j.journeyId)!.handoffs) {
        if (h.delaySeconds === null || unit(h.from) === unit(h.to)) continue;
        const k = `${unit(h.from)}→${unit(h.to)}`;
        delays.set(k, [...(delays.get(k) ?? []), h.delaySeconds]);
      }
    }
    expect(grouped.edges.length).toBe(delays.size);
    for (const e of grouped.edges) {
      const ds = Float64Array.from(delays.get(`${e.from}→${e.to}`)!).sort();
      expect(e.count).toBe(ds.length);
      expect(e.delay.p50).toBeCloseTo(quantileSorted(ds, 0.5), 9);
      expect(e.delay.p90).toBeCloseTo(quantileSorted(ds, 0.9), 9);
    }
    for (const d of grouped.departments) for (const m of d.members!) expect(unit(m)).toBe(d.department);
  });

  it('opens one unit into its members, the others stay rolled up', () => {
    const half = 'A–M';
    const g = model.processMapGrouped(groupingOf(units, 1, half));
    const names = new Set(g.departments.map((d) => d.department));
    expect(names.has('N–Z')).toBe(true);
    expect(names.has(half)).toBe(false);
    expect([...names].some((n) => n.startsWith('G-'))).toBe(true);
  });
});

describe('variants, selection, ping-pong and focus', () => {
  const journeys = allJourneys();

  it('variants count every journey once, and a variant selects exactly its journeys', () => {
    const v = model.variants({}, 1000);
    expect(v.journeys).toBe(journeys.length);
    expect(v.variants.reduce((s, x) => s + x.count, 0)).toBe(journeys.length);
    const top = v.variants[0]!;
    expect(top.id).toBe(variantId(top.path));
    const page = model.selectJourneys({ variant: top.id }, { limit: 1000 });
    expect(page.items).toHaveLength(top.count);
    const leads = Float64Array.from(page.items.map((j) => j.leadTimeSeconds)).sort();
    expect(top.medianLeadTimeSeconds).toBeCloseTo(quantileSorted(leads, 0.5), 9);
  });

  it('selects the journeys that made one handoff, page by page, and only those', () => {
    const e = whole.edges[0]!;
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const p = model.selectJourneys({ handoffFrom: e.from, handoffTo: e.to }, { ...(cursor ? { cursor } : {}), limit: 3 });
      ids.push(...p.items.map((j) => j.journeyId));
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    const expected = journeys.filter((j) => model.timeline(j.journeyId)!.handoffs.some((h) => h.from === e.from && h.to === e.to)).map((j) => j.journeyId);
    expect(ids).toEqual(expected);
  });

  it('counts ping-pong per pair by the fold’s rule (the pairs add up to the journeys’ counts)', () => {
    const claim = [
      ev('JourneyStarted', 'p1', 'intake', '2026-03-01T09:00:00Z', { journeyType: 'claim', channel: 'web', customerRef: 'c' }),
      ev('HandoffRequested', 'p1', 'intake', '2026-03-01T09:30:00Z', { toDepartment: 'assessment' }),
      ev('WorkStarted', 'p1', 'assessment', '2026-03-01T10:00:00Z', { activity: 'assess' }),
      ev('HandoffRequested', 'p1', 'assessment', '2026-03-01T11:00:00Z', { toDepartment: 'intake' }),
      ev('WorkStarted', 'p1', 'intake', '2026-03-01T12:00:00Z', { activity: 'fix' }),
    ];
    const m = openReadStore({ path: ':memory:' });
    m.apply(positioned(claim));
    const pairs = m.handoffs().pairs;
    expect(pairs.find((p) => p.from === 'assessment' && p.to === 'intake')?.pingPong).toBe(1);
    expect(pairs.find((p) => p.from === 'intake' && p.to === 'assessment')?.pingPong).toBe(0);
    const real = model.handoffs().pairs.reduce((s, p) => s + (p.pingPong ?? 0), 0);
    const folded = journeys.reduce((s, j) => s + j.pingPongCount, 0);
    // the fold also counts handoffs never picked up; the pairs only the picked-up ones
    expect(real).toBeLessThanOrEqual(folded);
    expect(real).toBeGreaterThan(0);
  });

  it('focus: the handoffs in and out of a team are the map’s, ranked by delay caused', () => {
    const team = whole.departments[0]!.department;
    const f = model.departmentFocus(team, { now: '2014-01-01T00:00:00Z' });
    const into = whole.edges.filter((e) => e.to === team);
    expect(f.incoming.map((e) => [e.from, e.count]).sort()).toEqual(into.map((e) => [e.from, e.count]).sort());
    const caused = f.incoming.map((e) => e.delayCausedSeconds);
    expect(caused).toEqual([...caused].sort((a, b) => b - a));
    expect(f.journeys).toBe(whole.departments[0]!.journeys);
  });
});
