import type { Alert } from '@journeys/contracts';
import type { Api } from './api.ts';
import { formatDuration } from './format.ts';

/**
 * The open silo alerts, beside whatever view is shown: a disclosure in the header with the
 * list (newest change first), and marks on the map: `data-alerting="warning|critical"` on
 * the edges (`[data-from][data-to]`) and departments (`[data-department]`) that have open
 * alerts. Kept apart from the map code: the marks are re-applied whenever a view redraws,
 * so the views need to know nothing about alerts.
 */
const KIND_TEXT: Record<Alert['kind'], string> = {
  'handoff-overdue': 'handoff waiting past its p90',
  'sla-at-risk': 'SLA at risk',
  'customer-not-heard': 'customer not heard from',
};
const SHOWN = 100;

export function startAlertsPanel(api: Api, panel: HTMLDetailsElement): () => void {
  let open: Alert[] = [];
  let more = false;

  const mark = () => {
    const worst = new Map<string, Alert['severity']>();
    const up = (k: string, s: Alert['severity']) => {
      if (worst.get(k) !== 'critical') worst.set(k, s);
    };
    for (const a of open) {
      up(`d:${a.department}`, a.severity);
      if (a.from !== null && a.to !== null) up(`e:${a.from}\u0000${a.to}`, a.severity);
    }
    const apply = (el: Element, key: string) => {
      const s = worst.get(key);
      if (s === undefined) el.removeAttribute('data-alerting');
      else if (el.getAttribute('data-alerting') !== s) el.setAttribute('data-alerting', s);
    };
    for (const el of document.querySelectorAll('[data-department]')) apply(el, `d:${el.getAttribute('data-department')}`);
    for (const el of document.querySelectorAll('[data-from][data-to]'))
      apply(el, `e:${el.getAttribute('data-from')}\u0000${el.getAttribute('data-to')}`);
  };

  const render = () => {
    const summary = document.createElement('summary');
    summary.textContent = open.length === 0 ? 'No open alerts' : `Open alerts (${open.length}${more ? '+' : ''})`;
    if (open.some((a) => a.severity === 'critical')) summary.dataset.severity = 'critical';
    else if (open.length > 0) summary.dataset.severity = 'warning';
    const ul = document.createElement('ul');
    for (const a of open.slice(0, SHOWN)) {
      const li = document.createElement('li');
      li.dataset.severity = a.severity;
      li.dataset.journey = a.journeyId;
      const limit =
        a.kind === 'sla-at-risk' ? '' : ` (limit ${formatDuration(a.thresholdSeconds)}${a.clock === 'business' ? ' of open hours' : ''})`;
      li.textContent = `${a.department}: ${KIND_TEXT[a.kind]}, ${a.journeyId}${a.from !== null ? ` from ${a.from}` : ''}, ${formatDuration(a.waitedSeconds)}${limit}`;
      ul.append(li);
    }
    if (open.length > SHOWN) {
      const li = document.createElement('li');
      li.textContent = `… and ${open.length - SHOWN}${more ? '+' : ''} more (GET /api/alerts)`;
      ul.append(li);
    }
    panel.replaceChildren(summary, ul);
    panel.hidden = false;
    mark();
    document.body.dataset.alertsReady = 'true';
  };

  let loading = false;
  let again = false;
  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const page = await api.openAlerts();
      open = page.items;
      more = page.nextCursor !== null;
      render();
    } catch {
      // No alerts in this process, or the token cannot see them: the views work without.
    } finally {
      loading = false;
      if (again) {
        again = false;
        void load();
      }
    }
  };

  // Views redraw their SVG: re-apply the marks after each redraw (one frame later at most).
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      mark();
    });
  });
  observer.observe(document.querySelector('main') ?? document.body, { childList: true, subtree: true });

  // A digest says what changed; the list is reloaded whole (bounded, and already in order).
  const stopStream = api.alertStream(() => void load());
  const timer = window.setInterval(() => void load(), 60_000);
  void load();
  return () => {
    stopStream();
    observer.disconnect();
    window.clearInterval(timer);
  };
}
