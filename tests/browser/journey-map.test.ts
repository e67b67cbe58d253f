import { readFileSync } from 'node:fs';
/**
 * The journey map at real scale, in Chromium against the real runtime: a simulated
 * organisation of 650 teams (groups, divisions) and a shared real IT-incident log. The first
 * view is readable (no text under 9 px on screen, the busiest departments named), and the
 * sliders, roll-up, focus, variants and edge journeys show the API's own figures. axe-core
 * finds no serious or critical violation on any tab, and the keyboard reaches every view.
 */
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { AbstractedProcessMap, DepartmentFocus, Variants } from '@journeys/contracts';
import { launchChromium, type LaunchedChromium } from '../support/chromium.ts';
import { ensureViewerBuilt, startViewerRuntime, type SimulatedData, type ViewerRuntime } from '../support/viewer.ts';

const ARTEFACTS = fileURLToPath(new URL('../../test-results/browser/', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const LOGS = fileURLToPath(new URL('../../../shared/data/logs/', import.meta.url));
/** The viewer's first request (index.html defaults). */
const FIRST_VIEW = 'departments=25&paths=40&pathsBy=journeys';

interface Harness {
  rt: ViewerRuntime;
  page: Page;
  api: <T>(path: string) => Promise<T>;
}

function harness(data: SimulatedData): { get: () => Harness } {
  let chromium: LaunchedChromium;
  let h: Harness;
  beforeAll(async () => {
    await ensureViewerBuilt();
    const rt = await startViewerRuntime(data);
    chromium = await launchChromium({ viewport: { width: 1400, height: 900 } });
    const page = await chromium.browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`page console: ${m.text()}`);
    });
    h = {
      rt,
      page,
      api: async <T,>(path: string): Promise<T> => {
        const res = await fetch(`${rt.url}${path}`, { headers: { authorization: `Bearer ${rt.analystToken}` } });
        expect(res.status, path).toBe(200);
        return (await res.json()) as T;
      },
    };
    mkdirSync(ARTEFACTS, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await chromium?.close();
    await h?.rt.close();
  });
  return { get: () => h };
}

/** Every text drawn on the map that is shown, with its size on screen in px. */
async function shownLabels(page: Page, svg = '#map svg.process-map'): Promise<{ text: string; px: number; inView: boolean }[]> {
  return page.$$eval(`${svg} text`, (ts) => {
    const view = ((ts[0] as SVGTextElement | undefined)?.ownerSVGElement ?? document.body).getBoundingClientRect();
    return ts
      .filter((t) => (t as SVGTextElement).getClientRects().length > 0 && getComputedStyle(t).display !== 'none' && t.textContent)
      .map((t) => {
        const el = t as SVGTextElement;
        const m = el.getScreenCTM()!;
        const r = el.getBoundingClientRect();
        return {
          text: el.textContent ?? '',
          px: parseFloat(getComputedStyle(el).fontSize) * Math.hypot(m.a, m.b),
          inView: r.right > view.left && r.left < view.right && r.bottom > view.top && r.top < view.bottom,
        };
      });
  });
}

async function axeViolations(page: Page): Promise<{ id: string; impact: string | null; nodes: number }[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string | null; nodes: unknown[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
}

async function mapShows(page: Page): Promise<{ departments: string[]; edges: string[] }> {
  return {
    departments: (await page.$$eval('#map g.node', (gs) => gs.map((g) => g.getAttribute('data-department') ?? ''))).sort(),
    edges: (await page.$$eval('#map g.edge', (gs) => gs.map((g) => `${g.getAttribute('data-from')}→${g.getAttribute('data-to')}`))).sort(),
  };
}
const namesOf = (m: AbstractedProcessMap) => ({
  departments: m.departments.map((d) => d.department).sort(),
  edges: m.edges.map((e) => `${e.from}→${e.to}`).sort(),
});

/** The abstraction the page's sliders ask for now. */
async function viewQuery(page: Page): Promise<string> {
  return page.evaluate(() => {
    const v = (n: string) => document.querySelector<HTMLInputElement>(`#view-map [name=${n}]`)!.value;
    const by = document.querySelector<HTMLInputElement>('#view-map input[name=pathsBy]:checked')!.value;
    return `departments=${v('departments')}&paths=${v('paths')}&pathsBy=${by}`;
  });
}

async function waitForMapRevision(page: Page, after: string): Promise<void> {
  await page.waitForFunction((prev) => document.body.dataset.mapRevision !== prev, after);
}

describe('journey map on a large organisation (650 teams) in Chromium', () => {
  const ctx = harness({ org: 'large', seed: 5, start: '2026-02-02T00:00:00Z', days: 30, journeysPerDay: 120, maxJourneys: 2500 });

  it('opens on a readable map: a few dozen departments, the busiest named, nothing under 9 px, the rest counted', async () => {
    const { page, rt, api } = ctx.get();
    const whole = await api<AbstractedProcessMap>('/api/analytics/process-map');
    expect(whole.departments.length).toBeGreaterThan(400);
    await page.goto(`${rt.url}/?token=${rt.analystToken}#map`);
    await page.waitForSelector('body[data-map-ready="true"]', { timeout: 60_000 });
    const first = await api<AbstractedProcessMap>(`/api/analytics/process-map?${FIRST_VIEW}`);
    expect(await mapShows(page)).toEqual(namesOf(first));
    expect(first.departments.length).toBeLessThanOrEqual(25);

    const labels = await shownLabels(page);
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) expect(l.px, l.text).toBeGreaterThanOrEqual(9);
    const named = new Set(labels.filter((l) => l.inView).map((l) => l.text));
    const busiest = [...whole.departments].sort((a, b) => b.journeys - a.journeys).slice(0, 3);
    for (const d of busiest) expect(named, d.department).toContain(d.department);

    const hidden = first.abstraction!.hidden;
    expect(hidden.departments).toBe(whole.departments.length - first.departments.length);
    const text = await page.textContent('#hidden-count');
    expect(text).toContain(`+${hidden.departments.toLocaleString('en')} departments`);
    await page.screenshot({ path: `${ARTEFACTS}large-org-map.png` });
  });

  it('the sliders ask the server: departments, paths and paths by delay caused', async () => {
    const { page, api } = ctx.get();
    let rev = (await page.evaluate(() => document.body.dataset.mapRevision)) ?? '';
    await page.fill('#view-map input[name=departments]', '10');
    await page.dispatchEvent('#view-map input[name=departments]', 'input');
    await waitForMapRevision(page, rev);
    expect(await mapShows(page)).toEqual(namesOf(await api(`/api/analytics/process-map?departments=10&paths=40&pathsBy=journeys`)));

    rev = (await page.evaluate(() => document.body.dataset.mapRevision)) ?? '';
    await page.check('#view-map input[name=pathsBy][value=delay]');
    await waitForMapRevision(page, rev);
    rev = (await page.evaluate(() => document.body.dataset.mapRevision)) ?? '';
    await page.fill('#view-map input[name=paths]', '5');
    await page.dispatchEvent('#view-map input[name=paths]', 'input');
    await waitForMapRevision(page, rev);
    const byDelay = await api<AbstractedProcessMap>(`/api/analytics/process-map?departments=10&paths=5&pathsBy=delay`);
    expect(await mapShows(page)).toEqual(namesOf(byDelay));
    // the five strongest by waiting caused are among the edges drawn
    const inside = (await api<AbstractedProcessMap>('/api/analytics/process-map?departments=10&pathsBy=delay')).edges;
    const top = [...inside].sort((a, b) => b.delay.sum - a.delay.sum).slice(0, 5).map((e) => `${e.from}→${e.to}`);
    for (const e of top) expect((await mapShows(page)).edges).toContain(e);
    await page.check('#view-map input[name=pathsBy][value=journeys]');
  });

  it('rolls up by division with exact counts, and opens a division into its groups', async () => {
    const { page, api } = ctx.get();
    await page.selectOption('#view-map select[name=groupBy]', 'division');
    await page.waitForFunction(() => document.querySelectorAll('#map g.node').length <= 5 && document.querySelectorAll('#map g.node').length > 0);
    const units = await api<{ units: Record<string, string[]> }>('/api/org-units');
    const grouped = await api<AbstractedProcessMap>('/api/analytics/process-map?groupBy=division');
    const whole = await api<AbstractedProcessMap>('/api/analytics/process-map');
    // a unit's handoffs are exactly its members' handoffs to other units' members
    const division = (d: string) => units.units[d]?.[1] ?? d;
    const expected = new Map<string, number>();
    for (const e of whole.edges) {
      const k = `${division(e.from)}→${division(e.to)}`;
      if (division(e.from) !== division(e.to)) expected.set(k, (expected.get(k) ?? 0) + e.count);
    }
    expect(Object.fromEntries(grouped.edges.map((e) => [`${e.from}→${e.to}`, e.count]))).toEqual(Object.fromEntries(expected));
    const shown = await page.$$eval('#map g.node', (gs) => Object.fromEntries(gs.map((g) => [g.getAttribute('data-department'), Number(g.getAttribute('data-journeys'))])));
    expect(shown).toEqual(Object.fromEntries(grouped.departments.map((d) => [d.department, d.journeys])));

    const busiest = grouped.departments[0]!.department;
    const rev = (await page.evaluate(() => document.body.dataset.mapRevision)) ?? '';
    await page.click(`#map g.node[data-department="${busiest}"]`);
    await waitForMapRevision(page, rev);
    const opened = await api<AbstractedProcessMap>(`/api/analytics/process-map?${await viewQuery(page)}&groupBy=division&expand=${encodeURIComponent(busiest)}`);
    expect(await mapShows(page)).toEqual(namesOf(opened));
    const groupsOfIt = new Set(Object.values(units.units).filter((u) => u[1] === busiest).map((u) => u[0]));
    expect(opened.departments.some((d) => groupsOfIt.has(d.department))).toBe(true);
    expect(opened.departments.map((d) => d.department)).not.toContain(busiest);
    await page.screenshot({ path: `${ARTEFACTS}large-org-rollup.png` });
    await page.selectOption('#view-map select[name=groupBy]', '');
    await page.waitForFunction(() => document.querySelectorAll('#map g.node').length > 5);
  });

  it('focus: typing a department shows it with its neighbours, handoffs ranked by delay caused, its queue and who waits there', async () => {
    const { page, api } = ctx.get();
    const whole = await api<AbstractedProcessMap>('/api/analytics/process-map');
    const target = [...whole.departments].filter((d) => !d.department.includes('Service Desk')).sort((a, b) => b.journeys - a.journeys)[0]!.department;
    await page.fill('#focus-form input[name=focus]', target);
    await page.press('#focus-form input[name=focus]', 'Enter');
    await page.waitForSelector(`#focus-panel[data-department="${target}"]`);
    const focus = await api<DepartmentFocus>(`/api/analytics/focus?department=${encodeURIComponent(target)}`);
    const rows = await page.$$eval('#focus-panel table.focus-in tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-from')));
    expect(rows).toEqual(focus.incoming.slice(0, 15).map((e) => e.from));
    const caused = focus.incoming.map((e) => e.delayCausedSeconds);
    expect(caused).toEqual([...caused].sort((a, b) => b - a));
    expect(Number(await page.getAttribute('#focus-panel .focus-now', 'data-queue'))).toBe(focus.workload?.queueLength ?? 0);
    expect(await page.$$eval('#focus-panel ul.waiting button', (b) => b.length)).toBe(focus.waiting.length);
    await page.waitForFunction((t) => document.querySelector(`#map g.node[data-department="${t}"]`) !== null, target);
    const drawn = (await mapShows(page)).departments;
    for (const d of drawn) expect([target, ...focus.neighbours]).toContain(d);
    await page.screenshot({ path: `${ARTEFACTS}large-org-focus.png` });
    await page.click('#clear-focus');
    await page.waitForSelector('#focus-panel', { state: 'hidden' });
  });

  it('an edge lists exactly the journeys that made that handoff', async () => {
    const { page, api } = ctx.get();
    await page.waitForSelector('#map g.edge');
    const edge = await page.$eval('#map g.edge', (g) => ({ from: g.getAttribute('data-from')!, to: g.getAttribute('data-to')! }));
    await page.focus(`#map g.edge[data-from="${edge.from}"][data-to="${edge.to}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#edge-panel .journey-list button');
    const expected = await api<{ items: { journeyId: string; departments: string[] }[] }>(
      `/api/journeys?handoffFrom=${encodeURIComponent(edge.from)}&handoffTo=${encodeURIComponent(edge.to)}&limit=100`,
    );
    const shown = await page.$$eval('#edge-panel .journey-list button', (b) => b.map((x) => x.getAttribute('data-journey')));
    expect(shown).toEqual(expected.items.map((j) => j.journeyId));
    for (const j of expected.items.slice(0, 5)) {
      const t = await api<{ handoffs: { from: string; to: string }[] }>(`/api/journeys/${encodeURIComponent(j.journeyId)}`);
      expect(t.handoffs.some((h) => h.from === edge.from && h.to === edge.to)).toBe(true);
    }
    await page.click('#edge-panel .close');
  });

  it('variants: the server’s counts, share and medians; a click shows exactly that variant’s journeys in the swimlanes', async () => {
    const { page, api } = ctx.get();
    await page.click('[role=tab][data-view=variants]');
    await page.waitForSelector('body[data-variants-ready="true"]');
    const v = await api<Variants>('/api/analytics/variants?limit=100');
    const rows = await page.$$eval('#variants tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-variant'), Number(tr.getAttribute('data-count'))]));
    expect(rows).toEqual(v.variants.map((x) => [x.id, x.count]));
    expect(v.variants.reduce((s, x) => s + x.count, 0)).toBeLessThanOrEqual(v.journeys);
    const pick = v.variants.find((x) => x.path.length >= 3) ?? v.variants[0]!;
    await page.click(`#variants tr[data-variant="${pick.id}"] td.path button`);
    await page.waitForFunction(() => document.querySelector('#swim-status')?.textContent?.includes('variant'));
    await page.waitForSelector('body[data-swimlanes-ready="true"]');
    const ids = await page.$$eval('#swim-journeys button', (b) => b.map((x) => x.getAttribute('data-journey')));
    const expected = await api<{ items: { journeyId: string }[] }>(`/api/journeys?variant=${pick.id}&limit=200`);
    expect(ids).toEqual(expected.items.map((j) => j.journeyId));
    expect(ids.length).toBe(Math.min(200, pick.count));
    // lanes: the departments of that path only (plus the customer lane)
    const label = (await page.getAttribute('canvas.swim-canvas', 'aria-label')) ?? '';
    expect(label).toContain(`across ${new Set(pick.path).size} departments`);
    await page.screenshot({ path: `${ARTEFACTS}large-org-variant-swimlanes.png` });
  });

  it('has no serious or critical axe-core violation on any tab, and the keyboard reaches each view', { timeout: 180_000 }, async () => {
    const { page } = ctx.get();
    const found: Record<string, unknown[]> = {};
    for (const tab of ['map', 'swimlanes', 'replay', 'variants', 'hotspots']) {
      await page.click(`[role=tab][data-view=${tab}]`);
      const ready = { map: 'mapReady', swimlanes: 'swimlanesReady', replay: 'replayAt', variants: 'variantsReady', hotspots: 'hotspotsReady' }[tab]!;
      await page.waitForFunction((k) => (document.body.dataset as Record<string, string | undefined>)[k] !== undefined, ready);
      if (tab === 'replay') await page.waitForSelector('#queues tbody tr');
      found[tab] = await axeViolations(page);
    }
    expect(found).toEqual({ map: [], swimlanes: [], replay: [], variants: [], hotspots: [] });

    // replay by keyboard: the slider moves the instant
    await page.click('[role=tab][data-view=replay]');
    const before = await page.evaluate(() => document.body.dataset.replayAt);
    await page.focus('#replay-slider');
    await page.keyboard.press('Home');
    await page.waitForFunction((b) => document.body.dataset.replayAt !== b, before, { timeout: 90_000 });
    // swimlanes by keyboard: a journey of the page opens its timeline
    await page.click('[role=tab][data-view=swimlanes]');
    await page.focus('details.swim-list summary');
    await page.keyboard.press('Enter');
    await page.focus('#swim-journeys button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#journey-panel .timeline-holder');
    // map by keyboard: a department opens its focus
    await page.click('[role=tab][data-view=map]');
    await page.focus('#map g.node');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#focus-panel:not([hidden])');
  });
});

describe('journey map on a real IT-incident log (BPIC 2013, 56 support teams) in Chromium', () => {
  const ctx = harness({ log: `${LOGS}bpic2013_incidents_first50.csv` });

  it('opens readable, names the busiest teams, counts what it hides, and focuses a team with the API’s figures', async () => {
    const { page, rt, api } = ctx.get();
    const whole = await api<AbstractedProcessMap>('/api/analytics/process-map');
    expect(whole.departments.length).toBeGreaterThan(40);
    await page.goto(`${rt.url}/?token=${rt.analystToken}#map`);
    await page.waitForSelector('body[data-map-ready="true"]', { timeout: 60_000 });
    const first = await api<AbstractedProcessMap>(`/api/analytics/process-map?${FIRST_VIEW}`);
    expect(await mapShows(page)).toEqual(namesOf(first));
    const labels = await shownLabels(page);
    for (const l of labels) expect(l.px, l.text).toBeGreaterThanOrEqual(9);
    const named = new Set(labels.filter((l) => l.inView).map((l) => l.text));
    for (const d of [...whole.departments].sort((a, b) => b.journeys - a.journeys).slice(0, 3)) expect(named).toContain(d.department);
    expect(await page.getAttribute('#hidden-count', 'data-hidden-departments')).toBe(String(whole.departments.length - first.departments.length));
    await page.screenshot({ path: `${ARTEFACTS}bpic2013-map.png` });

    const team = first.departments[0]!.department;
    await page.fill('#focus-form input[name=focus]', team);
    await page.press('#focus-form input[name=focus]', 'Enter');
    await page.waitForSelector(`#focus-panel[data-department="${team}"]`);
    // an imported log's history is in the past: the focus is read at the same instant as the API call
    const out = await page.$$eval('#focus-panel table.focus-out tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-to')));
    const focus = await api<DepartmentFocus>(`/api/analytics/focus?department=${encodeURIComponent(team)}`);
    expect(out).toEqual(focus.outgoing.slice(0, 15).map((e) => e.to));

    await page.click('[role=tab][data-view=variants]');
    await page.waitForSelector('body[data-variants-ready="true"]');
    const v = await api<Variants>('/api/analytics/variants?limit=100');
    expect(v.journeys).toBe(50);
    expect(await page.$$eval('#variants tbody tr', (t) => t.length)).toBe(v.variants.length);
    expect(await axeViolations(page)).toEqual([]);
  });
});
