/**
 * The viewer's alerts panel in real Chromium against the real runtime with simulated
 * journeys (March 2026, so today every journey left open has waited for months): the panel
 * lists the open alerts GET /api/alerts has, and the map marks the departments and edges
 * that have them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Alert } from '@journeys/contracts';
import { launchChromium, type LaunchedChromium } from '../support/chromium.ts';
import { ensureViewerBuilt, startViewerRuntime, type ViewerRuntime } from '../support/viewer.ts';

describe('alerts panel in Chromium', () => {
  let rt: ViewerRuntime;
  let chromium: LaunchedChromium;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureViewerBuilt();
    rt = await startViewerRuntime({ seed: 5, days: 5, journeysPerDay: 40 });
    await rt.runtime.alerts.evaluate();
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await chromium?.close();
    await rt?.close();
  });

  it('lists the open alerts and marks their departments and edges on the map', async () => {
    const res = await fetch(`${rt.url}/api/alerts?state=open&limit=500`, { headers: { authorization: `Bearer ${rt.analystToken}` } });
    const open = ((await res.json()) as { items: Alert[] }).items;
    expect(open.length).toBeGreaterThan(0);
    await page.goto(`${rt.url}/?token=${rt.analystToken}`);
    await page.waitForSelector('body[data-alerts-ready="true"]');
    expect(await page.textContent('#alerts-panel h2')).toBe(`Open alerts (${open.length})`);
    expect(await page.locator('#alerts-panel li').count()).toBe(Math.min(open.length, 100));
    // The map is drawn: every department with an open alert that the map shows is marked.
    await page.waitForSelector('[data-department]');
    await page.waitForFunction(() => document.querySelectorAll('[data-alerting]').length > 0);
    const marked = await page.$$eval('[data-department][data-alerting]', (els) => [...new Set(els.map((e) => e.getAttribute('data-department')))]);
    const shown = await page.$$eval('[data-department]', (els) => [...new Set(els.map((e) => e.getAttribute('data-department')))]);
    const expected = [...new Set(open.map((a) => a.department))].filter((d) => shown.includes(d));
    expect(marked.sort()).toEqual(expected.sort());
    expect(pageErrors).toEqual([]);
  });
});
