import type { CustomerStatus } from '@journeys/contracts';
import { ESTIMATE_STYLE, expectedLine, stagesAheadItems } from './estimate.ts';

/**
 * `<journey-status journey="…" token="…">`: the customer's view of one request, for any
 * site, from one script tag. Shadow DOM keeps the host page's CSS out and ours in. It
 * shows only what the customer-safe status carries (stage, steps done, promise, last
 * update) and picks which of those fields to render, so nothing internal can slip through
 * even if the payload grows. Live over SSE; polls while the stream is down.
 *
 *   <script src="https://journeys.example/widget/journey-status.js"></script>
 *   <journey-status journey="J-123" token="…"></journey-status>
 *
 * Attributes: journey, token, api (base URL; default: where this script came from),
 * lang (date format; default: the browser's), poll (seconds between polls; default 15),
 * from-location (read journey/token/lang from the page's query: the iframe page uses it).
 */

// Where this script was loaded from, captured while it runs (currentScript is null later).
const SCRIPT_BASE = (() => {
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  return src ? new URL('../', src).href : new URL('/', location.href).href;
})();

const STYLE = `
:host { display: block; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2433; max-width: 34rem; }
.card { border: 1px solid #d8dde6; border-radius: 10px; padding: 1rem 1.2rem; background: #fff; }
h2 { font-size: 1.05rem; margin: 0 0 .3rem; }
.status { margin: 0 0 .8rem; font-weight: 600; }
.status[data-state="waiting-on-you"] { color: #9a5b00; }
.status[data-state="completed"] { color: #1e6b35; }
ol { list-style: none; margin: 0 0 .8rem; padding: 0; border-left: 2px solid #cfd6e2; }
li { position: relative; padding: .15rem 0 .45rem 1rem; }
li::before { content: ""; position: absolute; left: -6px; top: .45rem; width: 10px; height: 10px; border-radius: 50%; background: #3b7a57; }
li[aria-current="step"]::before { background: #fff; border: 2px solid #2f6fb0; width: 6px; height: 6px; }
li[aria-current="step"] { font-weight: 600; }
time { color: #5a6478; font-size: .88em; margin-left: .4em; }
.promise { margin: 0 0 .3rem; }
.late { color: #a8321e; font-weight: 600; }
.ontrack { color: #1e6b35; font-weight: 600; }
.updated, .note { color: #5a6478; font-size: .85em; margin: 0; }
.error { color: #a8321e; }
`;

const STATE_TEXT: Record<CustomerStatus['state'], string> = {
  'in-progress': 'We are working on it',
  'waiting-on-you': 'We are waiting for something from you',
  completed: 'Your request is complete',
};
const OUTCOME_TEXT: Record<NonNullable<CustomerStatus['outcome']>, string> = {
  resolved: 'resolved',
  rejected: 'declined',
  withdrawn: 'withdrawn',
};

export class JourneyStatusElement extends HTMLElement {
  static observedAttributes = ['journey', 'token', 'api', 'lang'];
  readonly #root: ShadowRoot;
  #status: CustomerStatus | null = null;
  #source: EventSource | null = null;
  #pollTimer: number | undefined;
  #generation = 0;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = STYLE + ESTIMATE_STYLE;
    const card = document.createElement('div');
    card.className = 'card';
    card.setAttribute('part', 'card');
    this.#root.append(style, card);
  }

  connectedCallback(): void {
    this.#start();
  }
  disconnectedCallback(): void {
    this.#stop();
  }
  attributeChangedCallback(_name: string, old: string | null, next: string | null): void {
    if (old !== next && this.isConnected) this.#start();
  }

  #config(): { journey: string | null; token: string | null; api: string; lang: string | undefined; poll: number } {
    const q = this.hasAttribute('from-location') ? new URLSearchParams(location.search) : null;
    const pick = (name: string) => this.getAttribute(name) ?? q?.get(name) ?? null;
    return {
      journey: pick('journey'),
      token: pick('token'),
      api: new URL(this.getAttribute('api') ?? SCRIPT_BASE, location.href).href.replace(/\/?$/, '/'),
      lang: pick('lang') ?? undefined,
      poll: Math.max(2, Number(pick('poll')) || 15),
    };
  }

  #url(path: 'status' | 'status/stream'): string | null {
    const c = this.#config();
    if (!c.journey) return null;
    const u = new URL(`api/journeys/${encodeURIComponent(c.journey)}/${path}`, c.api);
    if (c.token) u.searchParams.set('token', c.token);
    return u.href;
  }

  #stop(): void {
    this.#generation++;
    this.#source?.close();
    this.#source = null;
    window.clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  #start(): void {
    this.#stop();
    const gen = this.#generation;
    const statusUrl = this.#url('status');
    if (!statusUrl) return this.#renderMessage('No request to show.');
    void this.#fetch(gen);
    const streamUrl = this.#url('status/stream')!;
    if (typeof EventSource === 'undefined') return this.#poll(gen);
    const es = new EventSource(streamUrl);
    this.#source = es;
    const onStatus = (e: MessageEvent<string>) => {
      if (gen !== this.#generation) return;
      try {
        this.#accept(JSON.parse(e.data) as CustomerStatus);
      } catch {
        // a malformed frame: the next one or the poll will bring the status
      }
    };
    es.onmessage = onStatus;
    es.addEventListener('status', onStatus as EventListener);
    es.onopen = () => {
      // the stream is up: polling is no longer needed
      window.clearInterval(this.#pollTimer);
      this.#pollTimer = undefined;
    };
    es.onerror = () => {
      if (gen !== this.#generation) return;
      // EventSource retries on its own; poll meanwhile, and for good if it gave up
      this.#poll(gen);
    };
  }

  #poll(gen: number): void {
    if (this.#pollTimer !== undefined) return;
    this.#pollTimer = window.setInterval(() => void this.#fetch(gen), this.#config().poll * 1000);
  }

  async #fetch(gen: number): Promise<void> {
    const url = this.#url('status');
    if (!url) return;
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'omit', referrerPolicy: 'no-referrer' });
      if (gen !== this.#generation) return;
      if (res.status === 401 || res.status === 403) {
        this.#stop();
        return this.#renderMessage('This status link has expired or is not valid. Please ask us for a new one.');
      }
      if (res.status === 404) {
        this.#stop();
        return this.#renderMessage('We could not find this request.');
      }
      if (!res.ok) throw new Error(String(res.status));
      this.#accept((await res.json()) as CustomerStatus);
    } catch {
      if (gen === this.#generation && !this.#status) this.#renderMessage('Status is unavailable right now; we will keep trying.');
      if (gen === this.#generation) this.#poll(gen);
    }
  }

  #accept(next: CustomerStatus): void {
    // SSE and polling can race: never go back to an older status
    if (this.#status && next.version < this.#status.version) return;
    if (this.#status && next.version === this.#status.version && this.#status.lastUpdate === next.lastUpdate) return;
    this.#status = next;
    this.#render(next);
    this.dispatchEvent(new CustomEvent('journey-status-update', { detail: { state: next.state, stage: next.stage } }));
  }

  #renderMessage(text: string): void {
    const card = this.#card();
    card.replaceChildren(el('p', { class: 'note error', role: 'status' }, text));
  }

  #card(): HTMLElement {
    return this.#root.querySelector<HTMLElement>('.card')!;
  }

  #render(s: CustomerStatus): void {
    const lang = this.#config().lang;
    const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
    const day = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
    const time = (iso: string, f = fmt) => {
      const t = el('time', {}, f.format(new Date(iso)));
      t.setAttribute('datetime', iso);
      return t;
    };
    const title = el('h2', {}, s.journeyType ? `Your ${s.journeyType.replace(/[-_]+/g, ' ')} request` : 'Your request');
    const summary =
      s.state === 'completed'
        ? s.outcome
          ? `${STATE_TEXT.completed}: ${OUTCOME_TEXT[s.outcome]}`
          : STATE_TEXT.completed
        : s.state === 'waiting-on-you'
          ? STATE_TEXT[s.state]
          : `${STATE_TEXT[s.state]} — ${s.stage}`;
    const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-state': s.state }, summary);

    const steps = el('ol', { 'aria-label': 'Progress' });
    for (const step of s.stepsDone) {
      const li = el('li', {}, step.label);
      li.append(time(step.completedAt));
      steps.append(li);
    }
    if (s.state !== 'completed') steps.append(el('li', { 'aria-current': 'step' }, s.stage));
    steps.append(...stagesAheadItems(s, el));

    const parts: Node[] = [title, status, steps];
    if (s.promisedBy) {
      const p = el('p', { class: 'promise' }, 'Promised by ');
      p.append(time(s.promisedBy, day), document.createTextNode(' — '));
      if (s.onTrack === true) p.append(el('span', { class: 'ontrack' }, 'on track'));
      else if (s.onTrack === false) p.append(el('span', { class: 'late' }, s.state === 'completed' ? 'completed late' : 'running late'));
      parts.push(p);
    }
    const expected = expectedLine(s, el, time, day);
    if (expected) parts.push(expected);
    const updated = el('p', { class: 'updated' }, 'Last update ');
    updated.append(time(s.lastUpdate));
    parts.push(updated);
    this.#card().replaceChildren(...parts);
    this.setAttribute('data-state', s.state);
    this.setAttribute('data-version', String(s.version));
  }
}

function el(tag: string, attrs: Record<string, string>, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

if (!customElements.get('journey-status')) customElements.define('journey-status', JourneyStatusElement);
