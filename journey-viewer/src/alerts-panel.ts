import type { Alert } from '@journeys/contracts';

/**
 * The open silo alerts, beside whatever view is shown: a list (newest first) and marks on the
 * map — `data-alerting="warning|critical"` on the edges (`[data-from][data-to]`) and departments
 * (`[data-department]`) that have open alerts. Kept apart from the map code: the marks are
 * re-applied whenever the views redraw, so the map needs to know nothing about alerts.
 */
const STYLE = `
#alerts-panel { position: fixed; right: 1rem; bottom: 1rem; width: 22rem; max-height: 40vh; overflow: auto; background: #fff;
  border: 1px solid #d8dde6; border-radius: 8px; box-shadow: 0 2px 8px rgba(0,0,0,.12); font: 13px/1.4 system-ui, sans-serif; z-index: 10; }
#alerts-panel h2 { font-size: 13px; margin: 0; padding: .45rem .7rem; border-bottom: 1px solid #e4e8ef; }
#alerts-panel ul { list-style: none; margin: 0; padding: 0; }
#alerts-panel li { padding: .35rem .7rem; border-bottom: 1px solid #f0f2f6; }
#alerts-panel li[data-severity="critical"] { border-left: 4px solid #b3261e; }
#alerts-panel li[data-severity="warning"] { border-left: 4px solid #c77700; }
[data-alerting="critical"] { stroke: #b3261e !important; }
[data-alerting="warning"] { stroke: #c77700 !important; }
`;

const KIND_TEXT: Record<Alert['kind'], string> = {
  'handoff-overdue': 'handoff waiting past p90',
  'sla-at-risk': 'SLA at risk',
  'customer-not-heard': 'customer not heard from',
};

function hours(s: number): string {
  return s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : `${(s / 3600).toFixed(1)} h`;
}

export function startAlertsPanel(token: string, base = ''): () => void {
  const style = document.createElement('style');
  style.textContent = STYLE;
  document.head.append(style);
  const panel = document.createElement('aside');
  panel.id = 'alerts-panel';
  panel.setAttribute('aria-label', 'Open alerts');
  document.body.append(panel);
  let open: Alert[] = [];

  const mark = () => {
    const worst = new Map<string, Alert['severity']>();
    const up = (k: string, s: Alert['severity']) => {
      if (worst.get(k) !== 'critical') worst.set(k, s);
    };
    for (const a of open) {
      up(`d:${a.department}`, a.severity);
      if (a.from !== null && a.to !== null) up(`e:${a.from}\u0000${a.to}`, a.severity);
    }
    for (const el of document.querySelectorAll<Element>('[data-department]')) {
      const s = worst.get(`d:${el.getAttribute('data-department')}`);
      if (s) el.setAttribute('data-alerting', s);
      else el.removeAttribute('data-alerting');
    }
    for (const el of document.querySelectorAll<Element>('[data-from][data-to]')) {
      const s = worst.get(`e:${el.getAttribute('data-from')}\u0000${el.getAttribute('data-to')}`);
      if (s) el.setAttribute('data-alerting', s);
      else el.removeAttribute('data-alerting');
    }
  };

  const render = () => {
    const h = document.createElement('h2');
    h.textContent = open.length === 0 ? 'No open alerts' : `Open alerts (${open.length})`;
    const ul = document.createElement('ul');
    for (const a of open.slice(0, 100)) {
      const li = document.createElement('li');
      li.dataset.severity = a.severity;
      li.dataset.journey = a.journeyId;
      li.textContent = `${a.department}: ${KIND_TEXT[a.kind]} — ${a.journeyId}${a.from ? ` (from ${a.from})` : ''}, ${hours(a.waitedSeconds)} (limit ${hours(a.thresholdSeconds)})`;
      ul.append(li);
    }
    panel.replaceChildren(h, ul);
    mark();
    document.body.dataset.alertsReady = 'true';
  };

  const load = async () => {
    const res = await fetch(`${base}/api/alerts?state=open&limit=500`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return;
    open = ((await res.json()) as { items: Alert[] }).items;
    render();
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
  observer.observe(document.body, { childList: true, subtree: true });

  const stream = new EventSource(`${base}/api/alerts/stream?access_token=${encodeURIComponent(token)}`);
  // A digest says what changed; the list is reloaded whole (it is bounded and already sorted).
  stream.addEventListener('alerts', () => void load());
  stream.addEventListener('resync', () => void load());
  const timer = window.setInterval(() => void load(), 30_000);
  void load();
  return () => {
    stream.close();
    observer.disconnect();
    window.clearInterval(timer);
  };
}
