import './style.css';
import * as d3 from 'd3';
import type { JourneyTimeline, ProcessMap, Replay } from '@journeys/contracts';
import { ApiError, createApi, forgetToken, takeToken, type Api, type Filter } from './api.ts';
import { createMapView, type MapOptions } from './map.ts';
import { createSwimlaneView } from './swimlanes.ts';
import { renderTimeline } from './timeline-panel.ts';
import { renderHotspots } from './hotspots.ts';
import { pingPongByPair, rankHotspots, tokensAt } from './model.ts';
import { createTooltip } from './tooltip.ts';
import { formatDuration, formatInstant } from './format.ts';
import { startAlertsPanel } from './alerts-panel.ts';

type View = 'map' | 'swimlanes' | 'replay' | 'hotspots';

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const params = new URLSearchParams(location.search);
/** how many journeys' timelines the swimlanes, replay tokens and ping-pong use */
const TIMELINE_LIMIT = Number(params.get('limit')) || 2000;

const token = takeToken();
const api: Api = createApi(token);
const tooltip = createTooltip();
const message = $('#message');

function say(text: string | null, kind: 'error' | 'info' = 'error'): void {
  message.hidden = !text;
  message.textContent = text ?? '';
  message.className = `message ${kind}`;
}

function fail(err: unknown): void {
  if (err instanceof ApiError && err.isAuth) {
    forgetToken();
    say(
      err.status === 401
        ? 'The analyst token was rejected (expired or not signed by this server). Open the viewer with a fresh one: journey token --role analyst, then /?token=<token>.'
        : 'This token is not an analyst token. Open the viewer with one from: journey token --role analyst.',
    );
  } else {
    say(`Could not load data: ${err instanceof Error ? err.message : String(err)}`);
  }
  document.body.dataset.state = 'error';
}

// ---- state ---------------------------------------------------------------------------
let filter: Filter = {};
let view: View = (location.hash.slice(1) as View) || 'map';
let processMap: ProcessMap | null = null;
let timelines: JourneyTimeline[] | null = null;
let timelinesLoading: Promise<JourneyTimeline[]> | null = null;
const stale = new Set<View>(['map', 'swimlanes', 'replay', 'hotspots']);

function mapOptions(): MapOptions {
  const form = $('#view-map');
  return {
    mode: (form.querySelector<HTMLInputElement>('input[name=mode]:checked')?.value ?? 'frequency') as MapOptions['mode'],
    stat: (form.querySelector<HTMLSelectElement>('select[name=stat]')?.value ?? 'p50') as MapOptions['stat'],
    paths: Number(form.querySelector<HTMLInputElement>('input[name=paths]')?.value ?? 100),
  };
}

// ---- journey map ---------------------------------------------------------------------
const mapView = createMapView($('#map'), tooltip, { onEdgeClick: (e) => void showEdgeJourneys(e.from, e.to) });

/**
 * User Timing marks around each first draw (data already fetched, until the next frame is
 * painted): what `pnpm bench render` reads. Harmless in normal use.
 */
async function timed(name: string, draw: () => unknown): Promise<void> {
  performance.mark(`${name}:start`);
  await draw();
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  performance.measure(name, `${name}:start`);
}

async function loadMap(): Promise<void> {
  processMap = await api.processMap(filter);
  await timed('journeys:render-map', drawMap);
  document.body.dataset.mapReady = 'true';
}
async function drawMap(): Promise<void> {
  if (!processMap) return;
  const o = mapOptions();
  $('#view-map output[name=pathsOut]').textContent = `${o.paths}%`;
  await mapView.update(processMap, o);
  $('#map-legend').textContent =
    o.mode === 'frequency'
      ? 'edge width = handoffs; node shade = journeys'
      : `edge colour and label = ${o.stat === 'p50' ? 'median' : 'p90'} handoff delay; node: green = mostly work, red = mostly waiting`;
}
$('#view-map').addEventListener('input', () => void drawMap());

async function showEdgeJourneys(from: string, to: string): Promise<void> {
  const panel = $('#edge-panel');
  panel.hidden = false;
  const root = d3.select(panel);
  root.selectChildren().remove();
  root
    .append('button')
    .attr('class', 'close')
    .attr('aria-label', 'Close')
    .text('×')
    .on('click', () => (panel.hidden = true));
  root.append('h3').text(`Journeys handed from ${from} to ${to}`);
  const status = root.append('p').text('Loading…');
  try {
    // The API filters by one department; the pair is narrowed here on the summaries.
    const items: { journeyId: string; departments: string[]; leadTimeSeconds: number; state: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.journeys({ department: from, journeyType: filter.journeyType, cursor, limit: 500 });
      items.push(...page.items.filter((j) => j.departments.includes(to)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && items.length < 200);
    status.text(`${items.length}${cursor ? '+' : ''} journeys; click one for its timeline.`);
    root
      .append('ul')
      .attr('class', 'journey-list')
      .selectAll('li')
      .data(items.slice(0, 200))
      .join('li')
      .append('button')
      .attr('data-journey', (d) => d.journeyId)
      .text((d) => `${d.journeyId} · ${d.state} · lead ${formatDuration(d.leadTimeSeconds)}`)
      .on('click', (_e, d) => void openJourney(d.journeyId, panel));
  } catch (err) {
    status.text('Could not list the journeys.');
    fail(err);
  }
}

async function openJourney(id: string, panel: HTMLElement): Promise<void> {
  try {
    const t = await api.timeline(id);
    panel.hidden = false;
    const holder = document.createElement('div');
    holder.className = 'timeline-holder';
    panel.querySelector('.timeline-holder')?.remove();
    panel.append(holder);
    renderTimeline(holder, t);
    holder.scrollIntoView({ block: 'nearest' });
  } catch (err) {
    fail(err);
  }
}

// ---- swimlanes -----------------------------------------------------------------------
const journeyPanel = $('#journey-panel');
const swimView = createSwimlaneView($('#swimlanes'), tooltip, {
  onJourneyClick: (id) => {
    journeyPanel.replaceChildren();
    void openJourney(id, journeyPanel);
  },
});
$('#view-swimlanes').addEventListener('change', (e) => {
  const t = e.target as HTMLInputElement;
  if (t.name === 'time') swimView.setTimeMode(t.value as 'relative' | 'absolute');
});

function loadTimelines(force = false): Promise<JourneyTimeline[]> {
  if (timelinesLoading && !force) return timelinesLoading;
  const status = $('#swim-status');
  status.textContent = 'loading journeys…';
  timelinesLoading = api
    .timelines(filter, TIMELINE_LIMIT, (n) => (status.textContent = `loading journeys… ${n}`))
    .then((list) => {
      const inRange = list.filter(
        (t) => (!filter.from || (t.completedAt ?? t.lastEventAt) >= filter.from) && (!filter.to || t.startedAt < filter.to),
      );
      timelines = inRange;
      status.textContent = `${inRange.length} journeys${list.length >= TIMELINE_LIMIT ? ` (first ${TIMELINE_LIMIT})` : ''}`;
      const types = [...new Set(list.map((t) => t.journeyType).filter((x): x is string => !!x))].sort();
      d3.select('#journey-types')
        .selectAll('option')
        .data(types)
        .join('option')
        .attr('value', (d) => d);
      return inRange;
    });
  timelinesLoading.catch(() => (timelinesLoading = null));
  return timelinesLoading;
}

async function loadSwimlanes(): Promise<void> {
  const list = await loadTimelines();
  await timed('journeys:render-swimlanes', () => swimView.update(list));
  document.body.dataset.swimlanesReady = 'true';
}

// ---- replay --------------------------------------------------------------------------
const replayMap = createMapView($('#replay-map'), tooltip);
const slider = $<HTMLInputElement>('#replay-slider');
let range: [number, number] = [0, 1];
let playing = false;
let replayAt = 0;
let inFlight: AbortController | null = null;
let pendingAt: number | null = null;

let fullMap: ProcessMap | null = null;

async function loadReplay(): Promise<void> {
  const [list, map] = await Promise.all([loadTimelines(), api.processMap(filter)]);
  fullMap = map;
  const start = d3.min(list, (t) => Date.parse(t.startedAt)) ?? Date.now() - 86_400_000;
  const end = d3.max(list, (t) => Date.parse(t.completedAt ?? t.lastEventAt)) ?? Date.now();
  range = [start, Math.max(end, start + 1)];
  if (!replayAt || replayAt < range[0] || replayAt > range[1]) replayAt = range[1];
  syncSlider();
  await fetchReplay(replayAt);
}

function syncSlider(): void {
  slider.value = String(Math.round(((replayAt - range[0]) / (range[1] - range[0])) * 1000));
  const relative = $<HTMLInputElement>('#relative-time').checked;
  $('#replay-time').textContent = relative
    ? `+${formatDuration((replayAt - range[0]) / 1000)} since the first journey`
    : formatInstant(new Date(replayAt).toISOString());
}

async function fetchReplay(at: number): Promise<void> {
  // one request at a time, the latest instant wins: dragging the slider never queues hundreds
  if (inFlight) {
    pendingAt = at;
    return;
  }
  inFlight = new AbortController();
  try {
    const r = await api.replay(new Date(at).toISOString(), filter, inFlight.signal);
    await drawReplay(r, at);
  } catch (err) {
    if (!(err instanceof DOMException && err.name === 'AbortError')) fail(err);
  } finally {
    inFlight = null;
    if (pendingAt !== null) {
      const next = pendingAt;
      pendingAt = null;
      void fetchReplay(next);
    }
  }
}

async function drawReplay(r: Replay, at: number): Promise<void> {
  // laid out on the whole map so departments keep their place while the instant moves
  await replayMap.update(r.processMap, { mode: 'frequency', stat: 'p50', paths: 100 }, fullMap ?? r.processMap);
  const queues = new Map(r.departments.map((d) => [d.department, { queue: d.queueLength, wip: d.wip }]));
  replayMap.overlay({ queues, tokens: timelines ? tokensAt(timelines, at) : [] });
  d3.select('#queues tbody')
    .selectAll('tr')
    .data(r.departments, (d) => (d as Replay['departments'][number]).department)
    .join('tr')
    .attr('data-department', (d) => d.department)
    .attr('data-queue', (d) => d.queueLength)
    .attr('data-wip', (d) => d.wip)
    .selectAll('td')
    .data((d) => [
      d.department,
      String(d.queueLength),
      String(d.wip),
      d.oldestWaiting ? `${d.oldestWaiting.journeyId} (${formatDuration(d.oldestWaiting.waitingSeconds)})` : '–',
    ])
    .join('td')
    .text((d) => d);
  document.body.dataset.replayAt = r.asOf;
}

slider.addEventListener('input', () => {
  replayAt = range[0] + (Number(slider.value) / 1000) * (range[1] - range[0]);
  syncSlider();
  void fetchReplay(replayAt);
});
$('#relative-time').addEventListener('change', syncSlider);
$('#play').addEventListener('click', () => {
  playing = !playing;
  $('#play').textContent = playing ? '⏸' : '▶';
  $('#play').setAttribute('aria-label', playing ? 'Pause' : 'Play');
  if (playing) {
    if (replayAt >= range[1]) replayAt = range[0];
    let last = performance.now();
    const tick = (now: number) => {
      if (!playing) return;
      const speed = Number($<HTMLSelectElement>('#speed').value);
      replayAt = Math.min(range[1], replayAt + ((now - last) / 1000) * speed * 1000);
      last = now;
      syncSlider();
      void fetchReplay(replayAt);
      if (replayAt >= range[1]) $('#play').click();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
});

// ---- hotspots ------------------------------------------------------------------------
async function loadHotspots(): Promise<void> {
  const [h, list] = await Promise.all([api.handoffs(filter), loadTimelines()]);
  const by = ($<HTMLInputElement>('#view-hotspots input[name=rank]:checked').value ?? 'delay') as 'delay' | 'pingPong';
  const rows = rankHotspots(h.pairs, pingPongByPair(list), by);
  renderHotspots($('#hotspots'), rows, by, (hs) => {
    show('map');
    void showEdgeJourneys(hs.from, hs.to);
  });
  document.body.dataset.hotspotsReady = 'true';
}
$('#view-hotspots').addEventListener('change', () => void loadHotspots().catch(fail));

// ---- shell ---------------------------------------------------------------------------
const loaders: Record<View, () => Promise<void>> = { map: loadMap, swimlanes: loadSwimlanes, replay: loadReplay, hotspots: loadHotspots };

function show(next: View): void {
  if (!(next in loaders)) next = 'map';
  view = next;
  for (const b of document.querySelectorAll<HTMLButtonElement>('[role=tab]'))
    b.setAttribute('aria-selected', String(b.dataset.view === next));
  for (const s of document.querySelectorAll<HTMLElement>('.view')) s.hidden = s.id !== `view-${next}`;
  if (location.hash !== `#${next}`) history.replaceState(null, '', `#${next}`);
  refresh();
}

function refresh(): void {
  if (!stale.has(view)) return;
  const v = view;
  stale.delete(v);
  loaders[v]().catch((err: unknown) => {
    stale.add(v);
    fail(err);
  });
}

for (const b of document.querySelectorAll<HTMLButtonElement>('[role=tab]')) b.addEventListener('click', () => show(b.dataset.view as View));

$<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target as HTMLFormElement);
  const text = (name: string) => {
    const v = f.get(name);
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const day = (v: string | undefined, plus = 0) =>
    v ? new Date(Date.parse(`${v}T00:00:00Z`) + plus * 86_400_000).toISOString() : undefined;
  filter = { journeyType: text('journeyType'), from: day(text('from')), to: day(text('to'), 1) };
  timelinesLoading = null;
  for (const v of Object.keys(loaders) as View[]) stale.add(v);
  refresh();
});

// Live: every change on the analyst stream marks the views stale; the visible one reloads
// at most every 2 s, so a burst of events costs one redraw, and nothing reloads the page.
let liveTimer: number | undefined;
function onLiveChange(): void {
  $('#live').textContent = 'live';
  $('#live').className = 'live on';
  if (liveTimer !== undefined) return;
  liveTimer = window.setTimeout(() => {
    liveTimer = undefined;
    timelinesLoading = null;
    for (const v of Object.keys(loaders) as View[]) stale.add(v);
    if (view === 'replay' && playing) return;
    refresh();
  }, 2000);
}

if (!token) {
  say('No analyst token. Open the viewer with ?token=<token> (the demo prints a link; or run: pnpm journey token --role analyst).');
  document.body.dataset.state = 'no-token';
} else {
  const stop = api.stream(
    onLiveChange,
    () => {
      $('#live').textContent = 'reconnecting';
      $('#live').className = 'live off';
    },
    () => {
      $('#live').textContent = 'live';
      $('#live').className = 'live on';
    },
  );
  window.addEventListener('pagehide', stop);
  window.addEventListener('pagehide', startAlertsPanel(token));
  $('#live').textContent = 'connecting';
  show(view);
}
