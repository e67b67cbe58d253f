/**
 * The journey viewer in a real browser (Debian's Chromium, headless) against the real
 * runtime with simulated journeys: the map matches the API's process map, a tooltip
 * shows a handoff's statistics, the replay slider moves the queue counts.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ProcessMap, Replay } from '@journeys/contracts';
import { formatCount, formatDuration } from '../../journey-viewer/src/format.ts';
import { launchChromium, type LaunchedChromium } from '../support/chromium.ts';
import { ensureViewerBuilt, startViewerRuntime, type ViewerRuntime } from '../support/viewer.ts';

const ARTEFACTS = fileURLToPath(new URL('../../test-results/browser/', import.meta.url));
const DOCS_IMAGE = fileURLToPath(new URL('../../docs/images/journey-map.png', import.meta.url));

describe('journey viewer in Chromium', () => {
  let rt: ViewerRuntime;
  let chromium: LaunchedChromium;
  let page: Page;
  const pageErrors: string[] = [];

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${rt.url}${path}`, { headers: { authorization: `Bearer ${rt.analystToken}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    await ensureViewerBuilt();
    rt = await startViewerRuntime({ seed: 11, days: 7, journeysPerDay: 40 });
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(ARTEFACTS, { recursive: true });
  });

  afterAll(async () => {
    await chromium?.close();
    await rt?.close();
  });

  it('given no token, when the viewer opens, then it says how to get one', async () => {
    await page.goto(`${rt.url}/`);
    await page.waitForSelector('body[data-state="no-token"]');
    expect(await page.textContent('#message')).toContain('analyst token');
  });

  it('given a rejected token, when the viewer opens, then it says the token was rejected', async () => {
    await page.goto(`${rt.url}/?token=not-a-token`);
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.textContent('#message')).toMatch(/rejected/);
  });

  it('given simulated journeys, when the map draws, then it has one node per department and the API’s edge counts', async () => {
    const map = await api<ProcessMap>('/api/analytics/process-map');
    expect(map.departments.length).toBeGreaterThan(3);
    await page.goto(`${rt.url}/?token=${rt.analystToken}`);
    await page.waitForSelector('body[data-map-ready="true"]');
    // the token leaves the address bar once kept
    expect(page.url()).not.toContain('token=');

    const nodes = await page.$$eval('svg.process-map g.node', (gs) => gs.map((g) => g.getAttribute('data-department')));
    const expectedNodes = new Set([...map.departments.map((d) => d.department), ...map.edges.flatMap((e) => [e.from, e.to])]);
    expect(nodes.length).toBe(expectedNodes.size);
    expect(new Set(nodes)).toEqual(expectedNodes);

    const edges = await page.$$eval('svg.process-map g.edge', (gs) =>
      gs.map((g) => ({ from: g.getAttribute('data-from'), to: g.getAttribute('data-to'), count: Number(g.getAttribute('data-count')) })),
    );
    const byKey = (e: { from: string | null; to: string | null }) => `${e.from}→${e.to}`;
    expect(edges.map(byKey).sort()).toEqual(map.edges.map(byKey).sort());
    for (const e of map.edges) expect(edges.find((d) => byKey(d) === byKey(e))?.count, byKey(e)).toBe(e.count);
    // rework loops exist in the simulated processes: the cycle is drawn, not dropped
    const keys = new Set(map.edges.map(byKey));
    expect(map.edges.some((e) => keys.has(`${e.to}→${e.from}`))).toBe(true);

    await page.screenshot({ path: `${ARTEFACTS}journey-map.png` });
  });

  it('when the pointer rests on an edge, then a tooltip shows that handoff’s statistics', async () => {
    const map = await api<ProcessMap>('/api/analytics/process-map');
    const edge = [...map.edges].sort((a, b) => b.count - a.count)[0]!;
    const point = await page.$eval(`svg.process-map g.edge[data-from="${edge.from}"][data-to="${edge.to}"] path.line`, (path) => {
      const p = path as SVGPathElement;
      const at = p.getPointAtLength(p.getTotalLength() / 2);
      const m = p.getScreenCTM()!;
      return { x: at.x * m.a + at.y * m.c + m.e, y: at.x * m.b + at.y * m.d + m.f };
    });
    await page.mouse.move(point.x, point.y);
    const tip = await page.waitForSelector('.tooltip:not([hidden])');
    const text = (await tip.textContent()) ?? '';
    expect(text).toContain(`${edge.from} → ${edge.to}`);
    expect(text).toContain(`handoffs${formatCount(edge.count)}`);
    expect(text).toContain(`median (p50)${formatDuration(edge.delay.p50)}`);
    expect(text).toContain(`p90${formatDuration(edge.delay.p90)}`);
    expect(text).toContain(`p99${formatDuration(edge.delay.p99)}`);
    await page.screenshot({ path: `${ARTEFACTS}tooltip.png` });

    // and a click lists the journeys behind the edge
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('#edge-panel .journey-list button');
    expect(await page.$$eval('#edge-panel .journey-list button', (b) => b.length)).toBeGreaterThan(0);
  });

  it('performance mode labels edges with their median delay', async () => {
    await page.click('#edge-panel .close');
    await page.check('input[name=mode][value=performance]');
    const map = await api<ProcessMap>('/api/analytics/process-map');
    await page.waitForFunction(() => document.querySelector('#map-legend')?.textContent?.includes('median'));
    const labels = await page.$$eval('svg.process-map .edge-labels text', (ts) => ts.map((t) => t.textContent));
    expect(labels.sort()).toEqual(map.edges.map((e) => formatDuration(e.delay.p50)).sort());
    await page.mouse.move(0, 0);
    const bottom = await page.$eval('#map', (el) => el.getBoundingClientRect().bottom);
    await page.screenshot({
      path: `${ARTEFACTS}journey-map-performance.png`,
      clip: { x: 0, y: 0, width: 1400, height: Math.ceil(bottom) + 12 },
    });
    // the README's picture: `JOURNEYS_UPDATE_DOCS_IMAGES=1 pnpm exec vitest run tests/browser`
    if (process.env.JOURNEYS_UPDATE_DOCS_IMAGES === '1') {
      mkdirSync(dirname(DOCS_IMAGE), { recursive: true });
      copyFileSync(`${ARTEFACTS}journey-map-performance.png`, DOCS_IMAGE);
    }
    await page.check('input[name=mode][value=frequency]');
  });

  it('swimlanes page through the server: every journey once, lanes only for the departments a page visits', async () => {
    await page.click('[role=tab][data-view=swimlanes]');
    await page.waitForSelector('body[data-swimlanes-ready="true"]');
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { items: { journeyId: string }[]; nextCursor: string | null } = await api(`/api/journeys?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      all.push(...p.items.map((j) => j.journeyId));
      cursor = p.nextCursor;
    } while (cursor);
    const shown: string[] = [];
    for (let pageNo = 0; ; pageNo++) {
      await page.waitForSelector(`body[data-swimlanes-page="${pageNo}"]`);
      const ids = await page.$$eval('#swim-journeys button', (bs) => bs.map((b) => b.getAttribute('data-journey') ?? ''));
      const label = (await page.getAttribute('canvas.swim-canvas', 'aria-label')) ?? '';
      expect(label).toContain(`Swimlanes of ${ids.length} journeys`);
      // the lanes are the departments these journeys visit, no more
      if (pageNo === 0) {
        const timelines = await api<{ items: { steps: { department: string }[] }[] }>('/api/timelines?limit=200');
        const visited = new Set(timelines.items.flatMap((t) => t.steps.map((s) => s.department)));
        expect(label).toContain(`across ${visited.size} departments`);
        await page.screenshot({ path: `${ARTEFACTS}swimlanes.png`, fullPage: true });
      }
      shown.push(...ids);
      if (await page.isDisabled('#swim-next')) break;
      await page.click('#swim-next');
    }
    expect(shown).toEqual(all);
  });

  it('given the replay, when the slider moves, then the queue counts are the API’s at that instant and change', async () => {
    await page.click('[role=tab][data-view=replay]');
    await page.waitForSelector('#queues tbody tr[data-department]');
    const seen = new Set<string>();
    let last = await page.evaluate(() => document.body.dataset.replayAt ?? '');
    for (const value of ['0', '300', '450', '600', '750', '1000']) {
      await page.fill('#replay-slider', value);
      await page.waitForFunction((prev) => document.body.dataset.replayAt !== prev, last);
      last = await page.evaluate(() => document.body.dataset.replayAt!);
      const replay = await api<Replay>(`/api/replay?asOf=${encodeURIComponent(last)}`);
      const shown: Record<string, number> = await page.$$eval('#queues tbody tr[data-department]', (trs) =>
        Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-department') ?? '', Number(tr.getAttribute('data-queue'))])),
      );
      expect(shown).toEqual(Object.fromEntries(replay.departments.map((d) => [d.department, d.queueLength])));
      seen.add(JSON.stringify(shown));
      if (value === '450') await page.screenshot({ path: `${ARTEFACTS}replay.png` });
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('hotspots rank department pairs by the delay they cause', async () => {
    await page.click('[role=tab][data-view=hotspots]');
    await page.waitForSelector('body[data-hotspots-ready="true"]');
    const first = await page.$eval('table.hotspots tbody tr', (tr) => [tr.getAttribute('data-from'), tr.getAttribute('data-to')]);
    const h = await api<{ pairs: { from: string; to: string; count: number; p50: number }[] }>('/api/analytics/handoffs');
    const top = [...h.pairs].sort((a, b) => b.count * b.p50 - a.count * a.p50)[0]!;
    expect(first).toEqual([top.from, top.to]);
    await page.screenshot({ path: `${ARTEFACTS}hotspots.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
