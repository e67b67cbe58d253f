/**
 * The viewer's alerts panel and the widget's estimate in real Chromium, against the real
 * runtime with a week of simulated journeys ending yesterday, on the demo's business-hours
 * calendars: the panel lists the open alerts GET /api/alerts has, the map marks the
 * departments and edges that have them, and the widget shows an open journey's expected
 * date and the stages still ahead; axe-core finds no serious or critical violation in either.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Alert, CustomerStatus } from '@journeys/contracts';
import { DEMO_CALENDARS } from '../../services/cli/src/config.ts';
import { launchChromium, type LaunchedChromium } from '../support/chromium.ts';
import { ensureViewerBuilt, startViewerRuntime, type ViewerRuntime } from '../support/viewer.ts';

const DAY = 86_400_000;
const ARTEFACTS = fileURLToPath(new URL('../../test-results/browser/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it stands (open shadow roots included). */
async function seriousViolations(p: Page): Promise<string[]> {
  // Through the DevTools protocol: the page's CSP (rightly) refuses injected inline scripts.
  await p.evaluate(AXE);
  const violations = await p.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: {
        run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }>;
      };
    };
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

describe('alerts panel and estimate in Chromium', () => {
  let rt: ViewerRuntime;
  let chromium: LaunchedChromium;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureViewerBuilt();
    const start = new Date(Math.floor(Date.now() / DAY) * DAY - 8 * DAY).toISOString();
    rt = await startViewerRuntime({ seed: 5, start, days: 7, journeysPerDay: 40, calendars: DEMO_CALENDARS });
    await rt.runtime.alerts.evaluate();
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(ARTEFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    await rt?.close();
  });

  it('lists the open alerts and marks their departments and edges on the map', async () => {
    const res = await fetch(`${rt.url}/api/alerts?state=open&limit=500`, { headers: { authorization: `Bearer ${rt.analystToken}` } });
    const body = (await res.json()) as { items: Alert[]; nextCursor: string | null };
    const open = body.items;
    expect(open.length).toBeGreaterThan(0);
    // On the demo calendars, handoff waits are measured in the receivers' open hours.
    expect(open.filter((a) => a.kind === 'handoff-overdue').every((a) => a.clock === 'business')).toBe(true);
    await page.goto(`${rt.url}/?token=${rt.analystToken}`);
    await page.waitForSelector('body[data-alerts-ready="true"]');
    expect(await page.textContent('#alerts-panel summary')).toBe(`Open alerts (${open.length}${body.nextCursor ? '+' : ''})`);
    expect(await page.locator('#alerts-panel li[data-severity]').count()).toBe(Math.min(open.length, 100));
    // The map is drawn: every department with an open alert that the map shows is marked, and no other.
    await page.waitForSelector('g.node[data-department]');
    await page.waitForFunction(() => document.querySelectorAll('[data-alerting]').length > 0);
    const marked = await page.$$eval('g.node[data-alerting]', (els) => [...new Set(els.map((e) => e.getAttribute('data-department')))]);
    const shown = await page.$$eval('g.node[data-department]', (els) => [...new Set(els.map((e) => e.getAttribute('data-department')))]);
    const expected = [...new Set(open.map((a) => a.department))].filter((d) => shown.includes(d));
    expect(marked.sort()).toEqual(expected.sort());
    const edges = await page.$$eval('g.edge[data-alerting]', (els) =>
      els.map((e) => `${e.getAttribute('data-from')}→${e.getAttribute('data-to')}`),
    );
    const alertingPairs = new Set(open.filter((a) => a.from !== null).map((a) => `${a.from}→${a.to}`));
    for (const e of edges) expect(alertingPairs.has(e)).toBe(true);
    // The disclosure opens over the view and closes again.
    await page.click('#alerts-panel summary');
    expect(await page.isVisible('#alerts-panel li')).toBe(true);
    await page.screenshot({ path: `${ARTEFACTS}alerts-panel.png` });
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('#alerts-panel summary');
    expect(await page.isVisible('#alerts-panel li')).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it("the widget shows an open journey's expected date, its range and the stages still ahead", async () => {
    const q = rt.runtime.queries;
    const openIds = q.listJourneys({ state: 'in-progress' }, { limit: 500 }).items.map((j) => j.journeyId);
    const withEstimate = openIds
      .map((id) => q.customerStatus(id)!)
      .find((s: CustomerStatus) => s.expectedBy && (s.stagesAhead?.length ?? 0) > 0);
    expect(withEstimate, 'an open journey with an estimate and stages ahead').toBeDefined();
    const s = withEstimate!;
    const token = await rt.customerToken(s.journeyId);
    const widget = await chromium.browser.newPage();
    await widget.goto(
      `${rt.url}/widget/status.html?journey=${encodeURIComponent(s.journeyId)}&token=${encodeURIComponent(token)}&lang=en-GB`,
    );
    await widget.waitForSelector('journey-status[data-version]');
    const text = await widget.$eval('journey-status', (el) => el.shadowRoot!.textContent ?? '');
    expect(text).toContain('Expected by');
    const ahead = await widget.$$eval('journey-status', (els) =>
      [...els[0]!.shadowRoot!.querySelectorAll('li.ahead')].map((li) => li.firstChild?.textContent),
    );
    expect(ahead).toEqual(s.stagesAhead);
    const datetimes = await widget.$$eval('journey-status', (els) =>
      [...els[0]!.shadowRoot!.querySelectorAll('.expected time')].map((t) => t.getAttribute('datetime')),
    );
    expect(datetimes[0]).toBe(s.expectedBy);
    await widget.screenshot({ path: `${ARTEFACTS}widget-estimate.png` });
    expect(await seriousViolations(widget)).toEqual([]);
    await widget.close();
  });
});
