/**
 * The status widget page (/widget/status.html, the iframe page) checked with axe-core in
 * Chromium, in English and French, plus its wording from the message catalogue, dates
 * through Intl, its lang attribute, and the favicon.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerStatus } from '@journeys/contracts';
import { CATALOGUE, titleFor } from '../../journey-viewer/src/widget/messages.ts';
import { launchChromium, type LaunchedChromium } from '../support/chromium.ts';
import { ensureViewerBuilt, startViewerRuntime, type ViewerRuntime } from '../support/viewer.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/** axe-core's verdict on the page as it stands (open shadow roots included). */
async function axe(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected inline scripts.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const { axe: engine } = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: unknown[] }> } };
    return engine.run(document, { resultTypes: ['violations'] });
  });
  return result.violations as AxeViolation[];
}
const serious = (violations: AxeViolation[]) =>
  violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);

describe('status widget page: accessibility, wording and languages', () => {
  let rt: ViewerRuntime;
  let chromium: LaunchedChromium;
  let journeyId: string;
  let status: CustomerStatus;
  let token: string;

  beforeAll(async () => {
    await ensureViewerBuilt();
    rt = await startViewerRuntime({ seed: 31, days: 3, journeysPerDay: 30 });
    const items = rt.runtime.queries.listJourneys({}, { limit: 200 }).items;
    const withSteps = items.map((j) => rt.runtime.queries.customerStatus(j.journeyId)!).filter((s) => s.stepsDone.length > 0);
    status = withSteps.find((s) => s.journeyType === 'it-incident') ?? withSteps[0]!;
    journeyId = status.journeyId;
    token = await rt.customerToken(journeyId);
    chromium = await launchChromium({ viewport: { width: 700, height: 700 } });
  }, 300_000); // a stale viewer is rebuilt first
  afterAll(async () => {
    await chromium?.close();
    await rt?.close();
  });

  const open = async (lang?: string, tokenOverride = token): Promise<Page> => {
    const page = await chromium.browser.newPage();
    const q = new URLSearchParams({ journey: journeyId, token: tokenOverride, ...(lang ? { lang } : {}) });
    await page.goto(`${rt.url}/widget/status.html?${q}`);
    return page;
  };
  const card = (page: Page) =>
    page.$eval('journey-status', (el) => {
      const c = el.shadowRoot!.querySelector('.card')!;
      return {
        lang: c.getAttribute('lang'),
        title: c.querySelector('h2')?.textContent ?? null,
        text: c.textContent ?? '',
        times: [...c.querySelectorAll('time')].map((t) => ({ text: t.textContent, datetime: t.getAttribute('datetime') })),
      };
    });

  it.each([
    ['en', undefined],
    ['fr', 'fr'],
  ] as const)('%s: no serious or critical axe-core violation, wording from the catalogue, dates through Intl', async (lang, param) => {
    const page = await open(param);
    await page.waitForSelector('journey-status[data-version]');
    expect(serious(await axe(page))).toEqual([]);

    const m = CATALOGUE[lang];
    const shown = await card(page);
    expect(shown.lang).toBe(lang);
    expect(shown.title).toBe(titleFor(m, status.journeyType));
    expect(shown.title).not.toMatch(/it incident request/i);
    expect(shown.text).toContain(m.lastUpdate);
    // Every date is the browser's Intl rendering of its instant in the widget's language.
    const expected = await page.evaluate(
      ({ times, lang: l }) =>
        times.map((t) => [
          new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(t.datetime!)),
          new Intl.DateTimeFormat(l, { dateStyle: 'medium' }).format(new Date(t.datetime!)),
        ]),
      { times: shown.times, lang },
    );
    expect(shown.times.length).toBeGreaterThan(0);
    shown.times.forEach((t, i) => expect(expected[i]).toContain(t.text));
    await page.close();
  });

  it('the invalid-link message is accessible and worded in the page language', async () => {
    const page = await open('fr', `${token}x`);
    await page.waitForFunction(() => document.querySelector('journey-status')?.shadowRoot?.querySelector('.error'));
    expect(serious(await axe(page))).toEqual([]);
    expect((await card(page)).text).toBe(CATALOGUE.fr.expired);
    await page.close();
  });

  it('serves /favicon.ico, and the pages link it', async () => {
    const res = await fetch(`${rt.url}/favicon.ico`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]);
    const page = await open();
    expect(await page.$eval('link[rel="icon"]', (l) => (l as HTMLLinkElement).href)).toBe(`${rt.url}/favicon.ico`);
    await page.close();
  });
});
