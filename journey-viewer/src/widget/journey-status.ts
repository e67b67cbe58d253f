import type { CustomerStatus } from '@journeys/contracts';
import { messagesFor, titleFor, type Messages } from './messages.ts';
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
 * lang (wording from messages.ts and dates through Intl; default: the page's, else the
 * browser's), poll (seconds between polls; default 15),
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
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;


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
    // (lang: the widget's attribute or query, else the page's, else the browser's)
    const q = this.hasAttribute('from-location') ? new URLSearchParams(location.search) : null;
    const pick = (name: string) => this.getAttribute(name) ?? q?.get(name) ?? null;
    return {
      journey: pick('journey'),
      token: pick('token'),
      api: new URL(this.getAttribute('api') ?? SCRIPT_BASE, location.href).href.replace(/\/?$/, '/'),
      lang: pick('lang') ?? (this.closest('[lang]')?.getAttribute('lang') || undefined) ?? navigator.language,
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
    if (!statusUrl) return this.#renderMessage(this.#messages().noRequest);
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
        return this.#renderMessage(this.#messages().expired);
      }
      if (res.status === 404) {
        this.#stop();
        return this.#renderMessage(this.#messages().notFound);
      }
      if (!res.ok) throw new Error(String(res.status));
      this.#accept((await res.json()) as CustomerStatus);
    } catch {
      if (gen === this.#generation && !this.#status) this.#renderMessage(this.#messages().unavailable);
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

  /** The catalogue for the configured language; the card carries that language as its `lang`. */
  #messages(): Messages {
    const { lang, m } = messagesFor(this.#config().lang);
    this.#card().setAttribute('lang', lang);
    return m;
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
    const m = this.#messages();
    // Dates in the catalogue's language, with the region the page asked for when it matches (en-GB, fr-CA).
    const locale = lang && messagesFor(lang).lang === this.#card().getAttribute('lang') ? lang : this.#card().getAttribute('lang')!;
    const fmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const time = (iso: string, f = fmt) => {
      const t = el('time', {}, f.format(new Date(iso)));
      t.setAttribute('datetime', iso);
      return t;
    };
    const title = el('h2', {}, titleFor(m, s.journeyType));
    const summary =
      s.state === 'completed'
        ? s.outcome
          ? m.completedWith(m.state.completed, m.outcome[s.outcome])
          : m.state.completed
        : s.state === 'waiting-on-you'
          ? m.state[s.state]
          : m.atStage(m.state[s.state], s.stage);
    const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-state': s.state }, summary);

    const steps = el('ol', { 'aria-label': m.progress });
    for (const step of s.stepsDone) {
      const li = el('li', {}, step.label);
      li.append(time(step.completedAt));
      steps.append(li);
    }
    if (s.state !== 'completed') steps.append(el('li', { 'aria-current': 'step' }, s.stage));
    steps.append(...stagesAheadItems(s, m, el));

    const parts: Node[] = [title, status, steps];
    if (s.promisedBy) {
      const p = el('p', { class: 'promise' }, `${m.promisedBy} `);
      p.append(time(s.promisedBy, day), document.createTextNode(' — '));
      if (s.onTrack === true) p.append(el('span', { class: 'ontrack' }, m.onTrack));
      else if (s.onTrack === false) p.append(el('span', { class: 'late' }, s.state === 'completed' ? m.completedLate : m.runningLate));
      parts.push(p);
    }
    const expected = expectedLine(s, m, el, time, day);
    if (expected) parts.push(expected);
    const updated = el('p', { class: 'updated' }, `${m.lastUpdate} `);
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
